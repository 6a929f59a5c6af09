import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import type { FeatureExtractionPipeline, PreTrainedTokenizer } from '@huggingface/transformers';
import { HUB_MODEL_ID } from '../config/config.js';
import { EMBEDDING_DIMS } from '../store/schema.js';

export type ModelDtype = 'fp32' | 'q8';

/** The model's hard input limit (sentence-transformers max_seq_length). */
export const MODEL_MAX_TOKENS = 256;

const ONNX_FILE: Record<ModelDtype, string> = { fp32: 'onnx/model.onnx', q8: 'onnx/model_quantized.onnx' };

export class EmbedderError extends Error {
  override name = 'EmbedderError';
}

/**
 * Sentence embeddings with all-MiniLM-L6-v2 (384-d, mean pooling, L2-normalised), from a local model
 * directory, or from the hub cache for users with internet when no local directory is configured.
 */
export class Embedder {
  private constructor(
    readonly modelId: string,
    readonly dtype: ModelDtype,
    /** sha256 of the ONNX weights (local) or the hub id (remote): stored with the table, checked on every write. */
    readonly checksum: string,
    private readonly extractor: FeatureExtractionPipeline,
    readonly tokenizer: PreTrainedTokenizer,
  ) {}

  /** A fingerprint that must match for vectors to share a table. */
  get fingerprint(): string {
    return `${this.modelId}|${this.dtype}|${this.checksum}`;
  }

  static async load(modelDir: string, dtype: ModelDtype = 'fp32'): Promise<Embedder> {
    // Loaded here, not at start-up: only commands that embed need it (and it is large).
    const { AutoTokenizer, env: transformersEnv, pipeline } = await import('@huggingface/transformers');
    const local = modelDir !== HUB_MODEL_ID;
    let name = modelDir;
    let checksum = `hub:${modelDir}`;
    if (local) {
      const weights = path.join(modelDir, ONNX_FILE[dtype]);
      if (!existsSync(weights)) {
        throw new EmbedderError(
          `model directory ${modelDir} has no ${ONNX_FILE[dtype]}. Set CLEARANCE_MODEL_DIR (or --model-dir) to a folder holding all-MiniLM-L6-v2 in ONNX form.`,
        );
      }
      transformersEnv.localModelPath = path.dirname(path.resolve(modelDir));
      transformersEnv.allowRemoteModels = false;
      transformersEnv.allowLocalModels = true;
      name = path.basename(path.resolve(modelDir));
      checksum = await sha256File(weights);
    }
    try {
      const extractor = await pipeline('feature-extraction', name, { dtype });
      const tokenizer = await AutoTokenizer.from_pretrained(name);
      return new Embedder(local ? `local:${name}` : name, dtype, checksum, extractor, tokenizer);
    } catch (err) {
      // From the hub this is usually "fetch failed" on a machine without internet: say what to set instead.
      const fix = local
        ? 'Check that the folder holds the complete all-MiniLM-L6-v2 ONNX export (config.json, tokenizer files, onnx/).'
        : `That is the hub's model id, so it was fetched from the Hugging Face hub (the default when ../shared/models/all-MiniLM-L6-v2 is not beside the checkout). Set CLEARANCE_MODEL_DIR (or modelDir in the config file) to a folder holding all-MiniLM-L6-v2 in ONNX form, or allow this machine to reach huggingface.co.`;
      throw new EmbedderError(`cannot load embedding model "${modelDir}" (${dtype}): ${(err as Error).message}. ${fix}`);
    }
  }

  /** Number of model tokens in `text`, without the [CLS]/[SEP] the model adds. */
  countTokens(text: string): number {
    return this.tokenizer.encode(text, { add_special_tokens: false }).length;
  }

  /**
   * Embeds texts in batches; each vector is 384 floats, unit length, in the order of `texts`.
   * By default each batch holds texts of similar length (sorted by length, then restored): a batch is
   * padded to its longest text, so mixing short and long texts spends most of the work on padding.
   */
  async embed(texts: string[], options: { batchSize?: number; byLength?: boolean } = {}): Promise<Float32Array[]> {
    const { batchSize = 16, byLength = true } = options;
    const order = texts.map((_, i) => i);
    if (byLength) order.sort((a, b) => texts[a]!.length - texts[b]!.length);
    const out = new Array<Float32Array>(texts.length);
    for (let i = 0; i < order.length; i += batchSize) {
      const slots = order.slice(i, i + batchSize);
      const tensor = await this.extractor(
        slots.map((slot) => texts[slot]!),
        { pooling: 'mean', normalize: true },
      );
      const data = tensor.data as Float32Array;
      slots.forEach((slot, row) => (out[slot] = data.slice(row * EMBEDDING_DIMS, (row + 1) * EMBEDDING_DIMS)));
    }
    return out;
  }

  async embedOne(text: string): Promise<Float32Array> {
    const [vector] = await this.embed([text], { batchSize: 1 });
    if (!vector) throw new EmbedderError('the model returned no vector');
    return vector;
  }

  async dispose(): Promise<void> {
    await this.extractor.dispose();
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
