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
    getResourcePath(bucket: string, key: string, resource: string): string;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  }
  interface RequestContext {
    method: string;
    get(header: string): string;
  }
  export default class S3rver {
    store: S3rverStore;
    /** Koa's middleware list (s3rver is a Koa app), composed when the server starts. */
    middleware: ((ctx: RequestContext, next: () => Promise<void>) => Promise<void>)[];
    constructor(options: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}

declare module 's3rver/lib/models/error.js' {
  export default class S3Error extends Error {
    constructor(code: string, message: string, detail?: Record<string, string>);
  }
}
