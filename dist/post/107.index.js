export const id = 107;
export const ids = [107];
export const modules = {

/***/ 83107:
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
    const client = new dist_cjs/* S3Client */.YxF(config);
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
;// CONCATENATED MODULE: ./src/storage/part-pool.ts
// The buffers an S3 writer fills its parts in, reused from part to part.
/**
 * Part buffers of one size, each returned when its part's upload settled and handed out again:
 * after warm-up no part allocates, and no part is a concatenation of the stream's chunks. The
 * caller bounds how many are out at once (parts in flight + the one being filled).
 */
class PartPool {
    partSize;
    free = [];
    made = 0;
    constructor(partSize) {
        this.partSize = partSize;
    }
    /** Buffers allocated so far. */
    get allocated() {
        return this.made;
    }
    /** A free buffer, or a new one (not zeroed: only the filled bytes are ever sent). */
    take() {
        const reused = this.free.pop();
        if (reused)
            return reused;
        this.made += 1;
        return Buffer.allocUnsafeSlow(this.partSize);
    }
    /** Returns a buffer whose part settled. */
    give(buffer) {
        this.free.push(buffer);
    }
    /** Drops free buffers until at most `count` are allocated (fewer slots now). */
    shrinkTo(count) {
        while (this.made > count && this.free.pop())
            this.made -= 1;
    }
    /** Drops the free buffers (the writer is done). */
    release() {
        this.free = [];
    }
}
/** Copies from `chunk` (at `from`) into the part until it is full; returns the bytes copied. */
function fill(part, chunk, from) {
    const copied = chunk.copy(part.buffer, part.filled, from);
    part.filled += copied;
    return copied;
}
/** Whether the part holds a full part's bytes. */
function isFull(part) {
    return part.filled === part.buffer.length;
}

;// CONCATENATED MODULE: ./src/storage/part-slots.ts
// How many parts of an S3 upload are in flight at once: chosen from the measured rates, not fixed.
const part_slots_MiB = 1024 * 1024;
/** The most parts one writer uploads at once. */
const MAX_SLOTS = 4;
/** The most bytes of part buffers one writer holds: the parts in flight and the one being filled. */
const PART_BUFFER_BUDGET = 40 * part_slots_MiB;
/** Parts must arrive this much faster than they upload before a slot is added (noise, not a trend). */
const TOLERANCE = 1.1;
/** An added slot must raise the upload's throughput this much, or it is given back. */
const GAIN = 1.15;
/** The most parts in flight that the budget allows beside the part being filled: 1 to MAX_SLOTS. */
function mostSlots(partSize, budget = PART_BUFFER_BUDGET) {
    return Math.max(1, Math.min(MAX_SLOTS, Math.floor(budget / partSize) - 1));
}
/** Bytes per second `slots` parts in flight upload when each takes `partSeconds`. */
function throughputOf(slots, partSize, partSeconds) {
    return partSeconds > 0 ? (slots * partSize) / partSeconds : 0;
}
/**
 * The slots after a full part had to wait for one. Back to `before.slots` when the slot added last
 * did not raise the throughput (the service or the link is the limit, not the parts in flight);
 * else one more when more parts arrive during one part's upload than there are slots (the upload
 * is the bottleneck), within mostSlots. Without measures yet, unchanged.
 */
function slotsFor(m) {
    const most = mostSlots(m.partSize, m.budget);
    const slots = Math.min(m.slots, most);
    if (!(m.arrivalRate > 0 && m.partSeconds > 0))
        return slots;
    const throughput = throughputOf(slots, m.partSize, m.partSeconds);
    if (m.before && m.before.slots < slots && throughput < m.before.throughput * GAIN)
        return m.before.slots;
    const arrivingPerUpload = (m.arrivalRate * m.partSeconds) / m.partSize;
    return arrivingPerUpload > slots * TOLERANCE ? Math.min(slots + 1, most) : slots;
}
/**
 * Measures an upload for slotsFor: the rate bytes arrive while the writer is not held back, and
 * a moving average of the seconds a full part takes. The clock is passed in (milliseconds).
 */
class UploadMeter {
    now;
    bytes = 0;
    startedAt;
    heldMs = 0;
    partMs = 0;
    constructor(now) {
        this.now = now;
    }
    /** Counts bytes handed to the writer. */
    received(bytes) {
        this.startedAt ??= this.now();
        this.bytes += bytes;
    }
    /** Counts time the writer held its producer back (waiting for a slot). */
    held(ms) {
        this.heldMs += ms;
    }
    /** Records one full part's upload time. */
    partUploaded(ms) {
        this.partMs = this.partMs ? 0.7 * this.partMs + 0.3 * ms : ms;
    }
    /** Forgets the part times (the slots changed: the next ones are measured anew). */
    resetParts() {
        this.partMs = 0;
    }
    /** Bytes per second received while not held back (0 before any time passed). */
    arrivalRate() {
        const ms = this.now() - (this.startedAt ?? this.now()) - this.heldMs;
        return ms > 0 ? (this.bytes * 1000) / ms : 0;
    }
    /** Seconds a full part takes to upload, recently (0 before the first). */
    partSeconds() {
        return this.partMs / 1000;
    }
}

;// CONCATENATED MODULE: ./src/storage/s3-multipart.ts
// The S3 requests of one object's upload: one PutObject, or a multipart upload created lazily.

/** S3's most parts per upload. */
const MAX_PARTS = 10_000;
/**
 * How long abort() waits for requests in flight before it aborts the multipart upload once more (a
 * part that was in flight during the first abort may still land). Short: a cancelled job has
 * seconds before the runner kills it.
 */
const ABORT_WAIT_MS = 5_000;
/**
 * One object's upload. Every request carries the object's parameters as lib-storage's Upload sent
 * them (bucket, key, If-None-Match, storage class, encryption, Object Lock, content type). abort()
 * cancels the UploadParts; the requests that create something (CreateMultipartUpload, the final
 * PutObject or CompleteMultipartUpload) it lets answer, to undo what they created.
 */
class S3Multipart {
    client;
    params;
    controller = new AbortController();
    created;
    uploadId;
    parts = [];
    pending = new Set();
    /** Whether the final PutObject or CompleteMultipartUpload stored the object. */
    stored = false;
    constructor(client, params) {
        this.client = client;
        this.params = params;
    }
    /** The whole object in one PutObject (below one part). */
    async putObject(body) {
        this.controller.signal.throwIfAborted();
        const command = new dist_cjs/* PutObjectCommand */.wKZ({
            ...this.params,
            Body: body,
            ContentLength: body.length,
        });
        await this.store(this.client.send(command));
    }
    /** Uploads one part, creating the multipart upload first when it is the first. */
    async uploadPart(PartNumber, Body) {
        if (PartNumber > MAX_PARTS)
            throw new Error(`The object needs more than ${MAX_PARTS} parts.`);
        const { UploadId, ChecksumAlgorithm } = await this.create();
        const command = new dist_cjs/* UploadPartCommand */.iVK({
            ...this.params,
            ...(ChecksumAlgorithm && { ChecksumAlgorithm }),
            UploadId,
            PartNumber,
            Body,
            ContentLength: Body.length,
        });
        const out = await this.track(this.client.send(command, { abortSignal: this.controller.signal }));
        if (!out.ETag)
            throw new Error(`Part ${PartNumber} came back without an ETag.`);
        this.parts.push({ PartNumber, ETag: out.ETag, ...checksumsOf(out) });
    }
    /** Completes the multipart upload with every part uploaded, in order, with their checksums. */
    async complete() {
        const { UploadId } = await this.create();
        const Parts = [...this.parts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
        this.controller.signal.throwIfAborted();
        const command = new dist_cjs/* CompleteMultipartUploadCommand */.Gym({
            ...this.params,
            UploadId,
            MultipartUpload: { Parts },
        });
        await this.store(this.client.send(command));
    }
    /**
     * Cancels the requests in flight and aborts the multipart upload, then waits up to 5 s for the
     * requests to settle and aborts it once more: a part in flight during the first abort may still
     * land. An object the final request stored (it was under way) is deleted; a request still
     * unanswered then is undone when it answers. An upload already gone is not an error; never throws.
     */
    async abort() {
        this.controller.abort();
        await this.abortUpload();
        const settled = Promise.allSettled([...this.pending]);
        await settledWithin(settled, ABORT_WAIT_MS);
        await this.undo();
        if (this.pending.size > 0)
            void settled.then(() => this.undo());
    }
    /** Aborts the multipart upload and deletes the object the final request stored; never throws. */
    async undo() {
        await this.abortUpload();
        if (!this.stored)
            return;
        const { Bucket, Key } = this.params;
        await this.client.send(new dist_cjs/* DeleteObjectCommand */.k4j({ Bucket, Key })).catch(noop);
    }
    /** The final request: not cancelled by abort(), which must know whether it stored the object. */
    async store(request) {
        await this.track(request.then(() => void (this.stored = true)));
    }
    /**
     * CreateMultipartUpload, once. Not cancelled by abort(): the upload it may have created on the
     * server must be known to be aborted. Like lib-storage, it names a CRC32 checksum when the client
     * sends checksums whenever supported; every part then carries that checksum.
     */
    create() {
        this.created ??= this.track((async () => {
            const mode = await this.client.config.requestChecksumCalculation();
            const ChecksumAlgorithm = mode === 'WHEN_SUPPORTED'
                ? (this.params.ChecksumAlgorithm ?? 'CRC32')
                : this.params.ChecksumAlgorithm;
            const command = new dist_cjs/* CreateMultipartUploadCommand */.nG4({ ...this.params, ChecksumAlgorithm });
            const { UploadId } = await this.client.send(command);
            this.uploadId = UploadId;
            return { UploadId, ChecksumAlgorithm };
        })());
        return this.created;
    }
    async abortUpload() {
        if (!this.uploadId)
            return;
        const { Bucket, Key } = this.params;
        const command = new dist_cjs/* AbortMultipartUploadCommand */.tfP({ Bucket, Key, UploadId: this.uploadId });
        await this.client.send(command).catch(noop);
    }
    track(request) {
        this.pending.add(request);
        const settled = () => void this.pending.delete(request);
        request.then(settled, settled);
        return request;
    }
}
/** The checksums S3 returned for a part, which CompleteMultipartUpload must repeat. */
function checksumsOf(out) {
    const { ChecksumCRC32, ChecksumCRC32C, ChecksumSHA1, ChecksumSHA256 } = out;
    return Object.fromEntries(Object.entries({ ChecksumCRC32, ChecksumCRC32C, ChecksumSHA1, ChecksumSHA256 }).filter(([, value]) => value));
}
/** Waits for a promise to settle, at most `ms`; never throws. */
async function settledWithin(promise, ms) {
    let timer;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([promise.then(noop, noop), timeout]);
    clearTimeout(timer);
}
function noop() { }

;// CONCATENATED MODULE: ./src/storage/s3-writer.ts





/**
 * Streams an object into a multipart upload that completes only in `commit()`: the last part and
 * CompleteMultipartUpload (or, below one part, a single PutObject) are sent after the archive
 * verified. Nothing is visible under the key before.
 *
 * Memory: the incoming chunks are copied into part buffers that are reused (PartPool): the parts
 * in flight plus the one being filled, i.e. (slots + 1) × partSize, plus the stream's own 16 KiB.
 * It starts with one part in flight and adds one (up to 4, within 40 MiB of buffers) each time a
 * full part had to wait while parts arrive faster than they upload, and gives the last one back
 * when it did not raise the throughput (slotsFor); while a part waits, the write callback is held,
 * which holds the producer back. Failures and abort() keep lib-storage's guarantees: a failed
 * request fails the stream at once, and abort() leaves no partial object and no unfinished upload
 * (see S3Multipart.abort).
 */
class S3Writer {
    job;
    stream;
    upload;
    pool;
    meter;
    now;
    filling;
    slots = 1;
    /** The slots before the last one was added, and their throughput. */
    before;
    /** Set once an added slot did not pay: the slots stay as they are. */
    settled = false;
    inFlight = new Set();
    failure;
    stopped = false;
    committed = false;
    /** Rejects when abort() is called: a commit or a write waiting on a hung part then gives up. */
    aborted;
    stopWaiting = s3_writer_noop;
    constructor(job) {
        this.job = job;
        this.now = job.now ?? (() => performance.now());
        this.upload = new S3Multipart(job.client, job.params);
        this.pool = new PartPool(job.partSize);
        this.meter = new UploadMeter(this.now);
        this.aborted = new Promise((_resolve, reject) => (this.stopWaiting = reject));
        this.aborted.catch(s3_writer_noop);
        this.stream = new external_node_stream_.Writable({
            write: (chunk, _encoding, done) => {
                this.write(chunk).then(() => done(), done);
            },
            // The upload ends only in commit(), after the archive verified.
            final: (done) => done(),
        });
    }
    /** Part buffers allocated so far (at most the most slots + 1). */
    get buffers() {
        return this.pool.allocated;
    }
    async commit() {
        await (0,promises_.finished)(this.stream);
        if (this.failure)
            throw this.failure;
        await this.job.ensureAbsent().catch(async (error) => {
            await this.abort();
            throw error;
        });
        await Promise.race([this.finish(), this.aborted]).catch((error) => {
            throw this.failure ?? this.job.fail(error);
        });
        this.committed = true;
        this.pool.release();
        return { location: this.job.location };
    }
    async abort() {
        if (this.committed)
            return;
        this.stopped = true;
        this.stopWaiting(new Error('the upload was aborted'));
        this.stream.destroy();
        this.filling = undefined;
        await this.upload.abort();
        this.pool.release();
    }
    /**
     * Copies a chunk into parts. A full part is sent only once more bytes arrive, so the last part
     * is never empty and an object of exactly one part is a single PutObject.
     */
    async write(chunk) {
        this.meter.received(chunk.length);
        for (let at = 0; at < chunk.length;) {
            if (this.stopped)
                throw new Error('the upload was aborted');
            if (this.failure)
                throw this.failure;
            this.filling ??= { number: 1, buffer: this.pool.take(), filled: 0 };
            if (isFull(this.filling)) {
                const full = this.filling;
                this.filling = undefined;
                await this.send(full);
                this.filling = { number: full.number + 1, buffer: this.pool.take(), filled: 0 };
            }
            at += fill(this.filling, chunk, at);
        }
    }
    /** The last part and CompleteMultipartUpload, or the whole object in one PutObject. */
    async finish() {
        const last = this.filling;
        this.filling = undefined;
        if (!last || last.number === 1) {
            await this.upload.putObject(last ? last.buffer.subarray(0, last.filled) : Buffer.alloc(0));
            return;
        }
        await this.send(last);
        await Promise.all([...this.inFlight]);
        if (this.failure)
            throw this.failure;
        await this.upload.complete();
    }
    /** Starts a part's upload once a slot is free; its buffer goes back to the pool when it settles. */
    async send(part) {
        if (this.inFlight.size >= this.slots)
            await this.waitForSlot();
        const started = this.now();
        const full = isFull(part);
        const sending = this.upload
            .uploadPart(part.number, part.buffer.subarray(0, part.filled))
            .then(() => {
            if (full)
                this.meter.partUploaded(this.now() - started);
        }, (error) => this.fail(error))
            .finally(() => {
            this.inFlight.delete(sending);
            this.pool.give(part.buffer);
            this.pool.shrinkTo(this.slots + 1);
        });
        this.inFlight.add(sending);
    }
    /**
     * Holds the producer until a part in flight settles; then, from the measured rates, perhaps
     * allows one more part in flight (slotsFor).
     */
    async waitForSlot() {
        const since = this.now();
        while (this.inFlight.size >= this.slots && !this.failure)
            await Promise.race([...this.inFlight, this.aborted]);
        this.meter.held(this.now() - since);
        if (this.failure)
            throw this.failure;
        if (!this.settled)
            this.rethink();
    }
    /** Adds a slot, or gives back the last one added when it did not pay (slotsFor). */
    rethink() {
        const { partSize } = this.job;
        const partSeconds = this.meter.partSeconds();
        const slots = slotsFor({
            slots: this.slots,
            arrivalRate: this.meter.arrivalRate(),
            partSeconds,
            partSize,
            budget: PART_BUFFER_BUDGET,
            before: this.before,
        });
        if (slots === this.slots)
            return;
        if (slots > this.slots)
            this.before = {
                slots: this.slots,
                throughput: throughputOf(this.slots, partSize, partSeconds),
            };
        else
            this.settled = true;
        this.slots = slots;
        this.meter.resetParts();
    }
    /** Fails the stream at once, so the pipeline stops instead of waiting on backpressure. */
    fail(error) {
        if (this.stopped)
            return; // the requests abort() cancelled
        this.failure ??= this.job.fail(error);
        if (!this.stream.writableFinished)
            this.stream.destroy(this.failure);
    }
}
function s3_writer_noop() { }

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
            await this.client.send(new dist_cjs/* PutObjectCommand */.wKZ(params));
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
        await this.call(fileName, () => this.client.send(new dist_cjs/* PutObjectCommand */.wKZ(params)));
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
        await this.call(fileName, () => this.client.send(new dist_cjs/* DeleteObjectCommand */.k4j(params)));
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
        const command = new dist_cjs/* DeleteObjectsCommand */.xvx({
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
            for await (const page of (0,dist_cjs/* paginateListObjectsV2 */.OqA)({ client: this.client }, input))
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
        const { Uploads = [] } = await this.call(fileName, () => this.client.send(new dist_cjs/* ListMultipartUploadsCommand */.mo2({ Bucket, Prefix: Key })));
        for (const upload of Uploads.filter((u) => u.Key === Key && u.UploadId)) {
            const UploadId = upload.UploadId;
            await this.call(fileName, () => this.client.send(new dist_cjs/* AbortMultipartUploadCommand */.tfP({ Bucket, Key, UploadId })));
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
        const command = new dist_cjs/* ListObjectsV2Command */.u6x({
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
        return new dist_cjs/* GetObjectCommand */.jLs({ Bucket: this.location.bucket, Key: this.keyOf(fileName) });
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
