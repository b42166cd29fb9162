// The parts of s3rver (a CommonJS package without types) that the tests use.
declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface S3rverOptions {
    silent?: boolean;
    directory?: string;
    configureBuckets?: { name: string }[];
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Creates the configured buckets in the data directory. */
    configureBuckets(): Promise<void>;
    /** The request handler (Koa's callback). */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
