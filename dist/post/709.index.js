export const id = 709;
export const ids = [709];
export const modules = {

/***/ 82709:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  S3Store: () => (/* binding */ S3Store)
});

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(57075);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-s3/dist-cjs/index.js
var dist_cjs = __webpack_require__(53711);
;// CONCATENATED MODULE: ./src/storage/s3-lock.ts
/**
 * The Object Lock parameters of an upload: mode and retain-until, and a CRC32 checksum, which S3
 * requires on uploads with a retention period (it accepts Content-MD5 or an
 * x-amz-sdk-checksum-algorithm header; the SDK sends the latter). Empty without a retention.
 */
function retentionParams(retention) {
    if (!retention)
        return {};
    return {
        ObjectLockMode: retention.mode,
        ObjectLockRetainUntilDate: new Date(retention.retainUntil),
        ChecksumAlgorithm: 'CRC32',
    };
}

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/storage/s3-names.ts
var s3_names = __webpack_require__(70546);
;// CONCATENATED MODULE: ./src/storage/s3-client.ts

const MiB = 1024 * 1024;
/** Smallest part size used (S3's own floor is 5 MiB). */
const MIN_PART_SIZE = 8 * MiB;
/** S3's largest part. */
const MAX_PART_SIZE = 5 * 1024 * MiB;
/** Parts uploaded at once by one writer. */
const QUEUE_SIZE = 4;

/**
 * The part size for an object of at most about `sizeHint` bytes: twice the hint fits in 9,000 parts
 * (S3 allows 10,000), at least 8 MiB, a whole number of MiB, at most 5 GiB.
 */
function partSizeFor(sizeHint = 0) {
    const wanted = Math.max(MIN_PART_SIZE, Math.ceil((2 * sizeHint) / 9000));
    return Math.min(MAX_PART_SIZE, Math.ceil(wanted / MiB) * MiB);
}
/** The region used: s3-region, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 with an endpoint. */
function regionFor(settings, env) {
    const region = settings.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
    return region || (settings.endpoint ? 'us-east-1' : undefined);
}
/** The SDK client configuration; credentials are left to the default AWS provider chain. */
function s3ClientConfig(settings, env) {
    const checksum = checksumMode(settings);
    return {
        region: regionFor(settings, env),
        endpoint: settings.endpoint,
        forcePathStyle: settings.forcePathStyle,
        requestChecksumCalculation: checksum,
        responseChecksumValidation: checksum,
        retryMode: 'standard',
        maxAttempts: 5,
        // No request timeout: a restore may pause reading a download for minutes.
        requestHandler: { connectionTimeout: 10_000 },
    };
}
function checksumMode(settings) {
    if (settings.checksum === 'when-required')
        return 'WHEN_REQUIRED';
    if (settings.checksum === 'when-supported')
        return 'WHEN_SUPPORTED';
    // Newer SDKs' default CRC32 headers break R2, B2 and older MinIO.
    return settings.endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
}
const commands = new WeakMap();
/** The SDK command (e.g. `UploadPart`) whose request failed with this error, when known. */
function commandOf(error) {
    return typeof error === 'object' && error !== null ? commands.get(error) : undefined;
}
/** A client that remembers which command an error came from and copes with If-None-Match. */
function createS3Client(config) {
    const client = new dist_cjs.S3Client(config);
    client.middlewareStack.add((next, context) => async (args) => {
        try {
            return await next(args);
        }
        catch (error) {
            if (typeof error === 'object' && error !== null && !commands.has(error))
                commands.set(error, context.commandName?.replace(/Command$/, '') ?? 'request');
            throw error;
        }
    }, { step: 'initialize', name: 'rememberFailedCommand' });
    addConditionalWriteFallback(client);
    return client;
}
/**
 * Conditional writes (`If-None-Match: *`) are honoured by AWS S3 and most compatible services; a
 * service that rejects the header as not implemented (501) gets the request again without it, and
 * never again with it. Overwrites are then prevented by the store's check before each write only.
 * A build-step middleware runs before retries and signing, so the request is signed anew.
 */
function addConditionalWriteFallback(client) {
    let unsupported = false;
    client.middlewareStack.add((next) => async (args) => {
        const headers = headersOf(args.request);
        if (!headers?.['if-none-match'])
            return next(args);
        if (unsupported)
            return next(dropIfNoneMatch(args, headers));
        try {
            return await next(args);
        }
        catch (error) {
            if (!isNotImplemented(error))
                throw error;
            unsupported = true;
            return next(dropIfNoneMatch(args, headers));
        }
    }, { step: 'build', name: 'conditionalWriteFallback', priority: 'low' });
}
function headersOf(request) {
    if (typeof request !== 'object' || request === null || !('headers' in request))
        return undefined;
    return request.headers;
}
/** The unsigned request of the build step is ours to change; the body is a buffer or a string. */
function dropIfNoneMatch(args, headers) {
    delete headers['if-none-match'];
    return args;
}
function isNotImplemented(error) {
    if (typeof error !== 'object' || error === null)
        return false;
    const e = error;
    return e.name === 'NotImplemented' || e.$metadata?.httpStatusCode === 501;
}

;// CONCATENATED MODULE: ./src/storage/s3-errors.ts


/** The IAM action each SDK command needs. */
const PERMISSIONS = {
    PutObject: 's3:PutObject',
    CreateMultipartUpload: 's3:PutObject',
    UploadPart: 's3:PutObject',
    CompleteMultipartUpload: 's3:PutObject',
    AbortMultipartUpload: 's3:AbortMultipartUpload',
    ListObjectsV2: 's3:ListBucket',
    GetObject: 's3:GetObject',
    HeadObject: 's3:GetObject',
    DeleteObject: 's3:DeleteObject',
    DeleteObjects: 's3:DeleteObject',
};
const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];
const CONNECTION_LOST = ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'TimeoutError'];
const BAD_CREDENTIALS = ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken'];
const WRONG_REGION = [
    'PermanentRedirect',
    'AuthorizationHeaderMalformed',
    'IllegalLocationConstraintException',
];
/** One line for the user saying what failed and what to do; never contains a secret. */
function s3Failure(error, place) {
    if (error instanceof errors/* ActionError */.lZ)
        return error;
    const e = fieldsOf(error);
    const message = messageFor(e, error, place);
    return new errors/* ActionError */.lZ(message.replace(/\s*\n\s*/g, ' '), { cause: error });
}
function messageFor(e, error, place) {
    const where = place.endpoint ?? `AWS S3${place.region ? ` (${place.region})` : ''}`;
    if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message))
        return `No AWS credentials for ${place.target}: add aws-actions/configure-aws-credentials before this step (OIDC role), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`;
    if (/Region is missing/i.test(e.message))
        return `No AWS region for ${place.target}: set s3-region, or AWS_REGION (configure-aws-credentials sets it).`;
    if (UNREACHABLE.includes(e.code))
        return `Cannot reach the S3 endpoint ${where} (${e.code}): check s3-endpoint and that the runner can reach it.`;
    if (CONNECTION_LOST.includes(e.code) || /socket hang up/i.test(e.message))
        return `Lost the connection to ${where} (${e.code || e.message}) while writing or reading ${place.target}: run again; if it persists, check the network or the service's status.`;
    return serviceMessage(e, error, place);
}
function serviceMessage(e, error, place) {
    const permission = PERMISSIONS[e.command ?? ''] ?? 'the S3 permission for this request';
    if (e.name === 'NoSuchBucket')
        return `S3 bucket '${place.bucket}' does not exist${place.endpoint ? ` at ${place.endpoint}` : ''}: create it, or fix the bucket in storage.`;
    if (WRONG_REGION.includes(e.name) || e.status === 301)
        return wrongRegion(regionIn(error, e), place);
    if (BAD_CREDENTIALS.includes(e.name))
        return `S3 rejected the AWS credentials (${e.name}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the role that configure-aws-credentials assumes.`;
    if (e.name === 'AccessDenied' || e.name === 'Forbidden' || e.status === 403)
        return `Access denied: the AWS credentials lack ${permission} on ${place.target}: grant it in the IAM policy (the README lists the minimal one)${permission === 's3:PutObject' ? '; with s3-sse aws:kms also kms:GenerateDataKey and kms:Decrypt on the key' : ''}.`;
    if (isPreconditionFailure(error))
        return `${place.target} already exists; a backup is never overwritten. Run again to get a new id.`;
    if (e.name === 'NoSuchKey' || (e.status === 404 && e.command !== 'ListObjectsV2'))
        return `${place.target} does not exist.`;
    const op = e.command ? ` (${e.command})` : '';
    if (e.status !== undefined && e.status >= 500)
        return `S3 request${op} for ${place.target} failed with ${e.status} ${e.name} (retried): run again; if it persists, check the service's status.`;
    return `S3 request${op} for ${place.target} failed: ${e.name}: ${e.message}`;
}
/** Whether S3 refused a conditional write (`If-None-Match: *`) because the key exists. */
function isPreconditionFailure(error) {
    const e = fieldsOf(error);
    return (e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict' || e.status === 412);
}
function wrongRegion(region, place) {
    const used = place.region ? `, not ${place.region}` : '';
    if (region)
        return `S3 bucket '${place.bucket}' is in region ${region}${used}: set s3-region: ${region}.`;
    return `S3 bucket '${place.bucket}' is in another region${used}: set s3-region to the bucket's region.`;
}
/** The bucket's region, from the error body (Region, Endpoint), the header or the message. */
function regionIn(error, e) {
    const x = error;
    if (typeof x.Region === 'string' && x.Region)
        return x.Region;
    const header = x.$response?.headers?.['x-amz-bucket-region'];
    if (header)
        return header;
    const endpoint = typeof x.Endpoint === 'string' ? x.Endpoint : '';
    const fromHost = /s3[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(endpoint)?.[1];
    if (fromHost && fromHost !== 'external-1')
        return fromHost;
    return /expecting '([a-z0-9-]+)'/.exec(e.message)?.[1];
}
function fieldsOf(error) {
    const x = (typeof error === 'object' && error !== null ? error : {});
    return {
        name: typeof x.name === 'string' ? x.name : 'Error',
        code: typeof x.code === 'string' ? x.code : codeIn((0,errors/* describeError */.Uc)(error), x.name),
        status: x.$metadata?.httpStatusCode,
        message: (0,errors/* describeError */.Uc)(error),
        command: commandOf(error),
    };
}
/** A network error code from the message: the SDK wraps errors it cannot recognise (other realms). */
function codeIn(message, name) {
    const code = [...UNREACHABLE, ...CONNECTION_LOST].find((c) => message.includes(c));
    return code ?? (name === 'TimeoutError' ? 'TimeoutError' : '');
}

// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(46466);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/lib-storage/dist-cjs/index.js
var lib_storage_dist_cjs = __webpack_require__(22358);
;// CONCATENATED MODULE: ./src/storage/s3-writer.ts





/**
 * How long abort() waits for parts in flight before it aborts the multipart upload once more (a
 * part that was in flight during the first abort may still land). Short: a cancelled job has
 * seconds before the runner kills it.
 */
const ABORT_WAIT_MS = 5_000;
const BODY_BUFFER = 1024 * 1024;
/**
 * Streams an object into a multipart upload (lib-storage `Upload`) that completes only in
 * `commit()`: the writer's stream hands bytes to the upload's body but never ends it, so
 * CompleteMultipartUpload (or, below one part, PutObject) is sent after the archive verified.
 *
 * Memory: at most QUEUE_SIZE (4) parts in flight plus one part being filled, plus 2 MiB of stream
 * buffers: ≈ 5 × partSize, i.e. 40 MiB at the 8 MiB minimum part size (see partSizeFor).
 */
class S3Writer {
    job;
    stream;
    body = new external_node_stream_.PassThrough({ highWaterMark: BODY_BUFFER });
    upload;
    done;
    failure;
    committed = false;
    /** Rejects when abort() is called: a commit waiting on a hung part then gives up at once. */
    aborted;
    stopWaiting = noop;
    constructor(job) {
        this.job = job;
        this.stream = bodyFeeder(this.body);
        const params = { ...job.params, Body: this.body };
        const { client, partSize } = job;
        this.upload = new lib_storage_dist_cjs/* Upload */._({ client, params, partSize, queueSize: QUEUE_SIZE });
        this.done = this.upload.done();
        this.aborted = new Promise((_resolve, reject) => (this.stopWaiting = reject));
        this.aborted.catch(noop);
        // Fails the stream at once, so the pipeline stops instead of waiting on backpressure.
        this.done.catch((error) => {
            this.failure ??= job.fail(error);
            if (!this.stream.writableFinished)
                this.stream.destroy(this.failure);
        });
    }
    async commit() {
        await (0,promises_.finished)(this.stream);
        if (this.failure)
            throw this.failure;
        await this.job.ensureAbsent().catch(async (error) => {
            await this.abort();
            throw error;
        });
        this.body.end();
        await Promise.race([this.done, this.aborted]).catch((error) => {
            throw this.failure ?? this.job.fail(error);
        });
        this.committed = true;
        return { location: this.job.location };
    }
    async abort() {
        if (this.committed)
            return;
        this.stopWaiting(new Error('the upload was aborted'));
        this.stream.destroy();
        // Without an error: lib-storage's reader then fails (premature close) and aborts the upload,
        // and a body nobody reads any more cannot raise an unhandled 'error'.
        this.body.destroy();
        await this.upload.abort().catch(noop);
        await abortMultipart(this.job, this.upload.uploadId);
        await settledWithin(this.done, ABORT_WAIT_MS);
        await abortMultipart(this.job, this.upload.uploadId);
    }
}
/** A writable that hands every byte to the upload's body with backpressure, and never ends it. */
function bodyFeeder(body) {
    return new external_node_stream_.Writable({
        write(chunk, _encoding, done) {
            if (body.write(chunk))
                return done();
            drained(body).then(() => done(), done);
        },
        final(done) {
            done();
        },
    });
}
function drained(body) {
    return new Promise((resolve, reject) => {
        const settle = (error) => {
            body.off('drain', onDrain).off('close', onClose);
            if (error)
                reject(error);
            else
                resolve();
        };
        const onDrain = () => settle();
        const onClose = () => settle(new Error('the S3 upload stopped before the backup was complete'));
        body.on('drain', onDrain).on('close', onClose);
    });
}
/** Waits for a promise to settle, at most `ms`; never throws. */
async function settledWithin(promise, ms) {
    let timer;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([promise.then(noop, noop), timeout]);
    clearTimeout(timer);
}
/**
 * lib-storage aborts the multipart upload when its body fails; this repeats it for the case where
 * that request failed or parts were still in flight. An upload already gone is not an error.
 */
async function abortMultipart(job, uploadId) {
    if (!uploadId)
        return;
    const { Bucket, Key } = job.params;
    await job.client
        .send(new dist_cjs.AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId }))
        .catch(noop);
}
function noop() { }

// EXTERNAL MODULE: ./src/storage/small-object.ts
var small_object = __webpack_require__(88284);
;// CONCATENATED MODULE: ./src/storage/s3.ts









/**
 * `s3://bucket/prefix/` on AWS S3 or an S3-compatible service. Objects are never overwritten: every
 * write sends `If-None-Match: *` (AWS S3, R2, MinIO refuse to replace an existing key) and is
 * preceded by a listing of the key, for services that ignore the header (s3rver, older MinIO).
 * Data objects are multipart uploads completed only in `commit()`; see S3Writer.
 */
class S3Store {
    location;
    settings;
    retentionOf;
    description;
    client;
    endpoint;
    region;
    constructor(location, settings, env, retentionOf = () => undefined) {
        this.location = location;
        this.settings = settings;
        this.retentionOf = retentionOf;
        this.description = (0,s3_names/* s3Url */.A)(location);
        this.client = createS3Client(s3ClientConfig(settings, env));
        this.endpoint = settings.endpoint;
        this.region = regionFor(settings, env);
    }
    /** Names here are free for any writer to take: holding one needs a conditional create. */
    runScoped = false;
    /** `If-None-Match: *` where honoured, after an exact-key listing for services that ignore it. */
    async createIfAbsent(fileName, body) {
        const key = this.keyOf(fileName);
        if ((await this.firstKey(key, this.locationOf(fileName))) === key)
            return false;
        // The length given: without it an empty body (a claim) makes the SDK warn of a stream of unknown length.
        const params = {
            ...this.putParams(fileName),
            Body: body,
            ContentLength: Buffer.byteLength(body),
        };
        try {
            await this.client.send(new dist_cjs.PutObjectCommand(params));
            return true;
        }
        catch (error) {
            if (isPreconditionFailure(error))
                return false;
            throw s3Failure(error, this.place(fileName));
        }
    }
    openWriter(fileName, hints = {}) {
        return Promise.resolve(new S3Writer({
            client: this.client,
            params: { ...this.putParams(fileName), StorageClass: this.storageClass() },
            partSize: partSizeFor(hints.sizeHint),
            location: this.locationOf(fileName),
            ensureAbsent: () => this.ensureAbsent(fileName),
            fail: (error) => s3Failure(error, this.place(fileName)),
        }));
    }
    async writeSmall(fileName, body) {
        await this.ensureAbsent(fileName);
        const params = {
            ...this.putParams(fileName),
            Body: body,
            ContentLength: Buffer.byteLength(body),
            ContentType: 'application/json',
        };
        await this.call(fileName, () => this.client.send(new dist_cjs.PutObjectCommand(params)));
        return { location: this.locationOf(fileName) };
    }
    async readSmall(fileName) {
        return this.call(fileName, async () => {
            const { Body, ContentLength = 0 } = await this.client.send(this.getCommand(fileName));
            if (ContentLength > small_object/* MAX_SMALL_BYTES */.N2) {
                if (Body instanceof external_node_stream_.Readable)
                    Body.destroy();
                throw (0,small_object/* tooLarge */.g$)(this.locationOf(fileName), ContentLength);
            }
            return (await Body?.transformToString('utf8')) ?? '';
        });
    }
    async openReader(fileName) {
        const { Body } = await this.call(fileName, () => this.client.send(this.getCommand(fileName)));
        if (Body instanceof external_node_stream_.Readable)
            return Body;
        throw new errors/* ActionError */.lZ(`${this.locationOf(fileName)} came back without a readable body.`);
    }
    async remove(fileName) {
        const params = { Bucket: this.location.bucket, Key: this.keyOf(fileName) };
        await this.call(fileName, () => this.client.send(new dist_cjs.DeleteObjectCommand(params)));
    }
    /** DeleteObjects, 1,000 keys a request (the most S3 takes), in the order given. */
    async removeMany(fileNames) {
        const failures = [];
        for (let at = 0; at < fileNames.length; at += 1000)
            failures.push(...(await this.deleteObjects(fileNames.slice(at, at + 1000))));
        return failures;
    }
    async deleteObjects(fileNames) {
        const Objects = fileNames.map((name) => ({ Key: this.keyOf(name) }));
        const command = new dist_cjs.DeleteObjectsCommand({
            Bucket: this.location.bucket,
            Delete: { Objects, Quiet: true },
        });
        const { Errors = [] } = await this.call('', () => this.client.send(command));
        return Errors.map((e) => ({
            fileName: (e.Key ?? '').slice(this.location.prefix.length),
            reason: `${e.Code ?? 'error'}: ${e.Message ?? 'not deleted'}`,
        }));
    }
    async list(prefix) {
        const files = [];
        const input = { Bucket: this.location.bucket, Prefix: this.keyOf(prefix), Delimiter: '/' };
        await this.call('', async () => {
            for await (const page of (0,dist_cjs.paginateListObjectsV2)({ client: this.client }, input))
                for (const { Key, LastModified } of page.Contents ?? [])
                    if (Key && LastModified)
                        files.push({
                            fileName: Key.slice(this.location.prefix.length),
                            modified: LastModified,
                        });
        });
        return files;
    }
    async abortUploads(fileName) {
        const Bucket = this.location.bucket;
        const Key = this.keyOf(fileName);
        const { Uploads = [] } = await this.call(fileName, () => this.client.send(new dist_cjs.ListMultipartUploadsCommand({ Bucket, Prefix: Key })));
        for (const upload of Uploads.filter((u) => u.Key === Key && u.UploadId)) {
            const UploadId = upload.UploadId;
            await this.call(fileName, () => this.client.send(new dist_cjs.AbortMultipartUploadCommand({ Bucket, Key, UploadId })));
        }
    }
    localPath() {
        return undefined;
    }
    locationOf(fileName) {
        return (0,s3_names/* s3Url */.A)(this.location, fileName);
    }
    /** Fails when the object exists (needs only s3:ListBucket, unlike HeadObject's s3:GetObject). */
    async ensureAbsent(fileName) {
        const key = this.keyOf(fileName);
        if ((await this.firstKey(key, this.locationOf(fileName))) !== key)
            return;
        throw new errors/* ActionError */.lZ(`${this.locationOf(fileName)} already exists; a backup is never overwritten. Run again to get a new id.`);
    }
    /** The first key that starts with `prefix` (keys sort by bytes, so an exact match comes first). */
    async firstKey(prefix, target) {
        const command = new dist_cjs.ListObjectsV2Command({
            Bucket: this.location.bucket,
            Prefix: prefix,
            MaxKeys: 1,
        });
        const page = await this.client.send(command).catch((error) => {
            throw s3Failure(error, { ...this.place(''), target });
        });
        return page.Contents?.[0]?.Key;
    }
    putParams(fileName) {
        return {
            Bucket: this.location.bucket,
            Key: this.keyOf(fileName),
            IfNoneMatch: '*',
            ContentType: 'application/octet-stream',
            ServerSideEncryption: this.settings.sse,
            SSEKMSKeyId: this.settings.kmsKeyId,
            ...retentionParams(this.retentionOf(fileName)),
        };
    }
    storageClass() {
        return this.settings.storageClass;
    }
    getCommand(fileName) {
        return new dist_cjs.GetObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(fileName) });
    }
    keyOf(fileName) {
        return `${this.location.prefix}${fileName}`;
    }
    place(fileName) {
        const target = fileName ? this.locationOf(fileName) : this.description;
        const { endpoint, region } = this;
        return { target, bucket: this.location.bucket, endpoint, region };
    }
    async call(fileName, request) {
        try {
            return await request();
        }
        catch (error) {
            throw s3Failure(error, this.place(fileName));
        }
    }
}


/***/ })

};
