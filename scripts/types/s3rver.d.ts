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
    putObject: StoreMethod;
    copyObject: StoreMethod;
    deleteObject: StoreMethod;
    listObjects: StoreMethod;
  }
  export default class S3rver {
    store: S3rverStore;
    constructor(options: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
