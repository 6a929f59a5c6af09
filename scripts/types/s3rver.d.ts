// s3rver ships no types; this is the part of its API the local S3 helper uses.
declare module 's3rver' {
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    configureBuckets?: { name: string }[];
  }
  type StoreMethod = (...args: unknown[]) => Promise<unknown>;
  /** Its filesystem store (the methods the local S3 helper serialises). */
  export interface S3rverStore {
    getObject: StoreMethod;
    existsObject: StoreMethod;
    putObject: StoreMethod;
    copyObject: StoreMethod;
    deleteObject: StoreMethod;
    listObjects: StoreMethod;
    putPart(bucket: string, uploadId: string, partNumber: number, content: NodeJS.ReadableStream): Promise<{ size: number; md5: string }>;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  }
  interface RequestContext {
    method: string;
    path: string;
    get(header: string): string;
  }
  export default class S3rver {
    store: S3rverStore;
    /** Koa's middleware list (s3rver is a Koa app), composed when the server starts. */
    middleware: ((ctx: RequestContext, next: () => Promise<void>) => Promise<void>)[];
    constructor(options: S3rverOptions);
    /** Koa's app-level error event: every error a request ended with (s3rver renders it as an S3 error). */
    on(event: 'error', listener: (err: Error & { status?: number }, ctx?: RequestContext) => void): this;
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}

declare module 's3rver/lib/models/error.js' {
  export default class S3Error extends Error {
    constructor(code: string, message: string, detail?: Record<string, string>);
  }
}
