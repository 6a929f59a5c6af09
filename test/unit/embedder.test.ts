import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultModelDir } from '../../src/config/config.js';
import { Embedder } from '../../src/embed/embedder.js';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

describe('Embedder (real all-MiniLM-L6-v2 from the local model directory)', () => {
  it('reproduces the published sentence-transformers similarity and is batch-independent in fp32', async () => {
    const embedder = await Embedder.load(defaultModelDir(process.cwd()), 'fp32');
    const [eat, bread, baby] = await embedder.embed(['A man is eating food.', 'A man is eating a piece of bread.', 'The girl is carrying a baby.']);
    expect(eat).toHaveLength(384);
    expect(cosine(eat!, eat!)).toBeCloseTo(1, 5);
    expect(cosine(eat!, bread!)).toBeCloseTo(0.7553, 3);
    expect(cosine(eat!, baby!)).toBeLessThan(0);
    const single = await embedder.embedOne('A man is eating a piece of bread.');
    expect(cosine(single, bread!)).toBeGreaterThan(0.99999);
    expect(embedder.countTokens('hello world')).toBe(2);
    expect(embedder.checksum).toBe('a3c9ce2de4bc8cf73569a72417d9db036f5a02a75945b47838e75bfa032ef7b8');
    // Length bucketing sorts texts for batching and must hand each vector back in the caller's order.
    const texts = Array.from({ length: 11 }, (_, i) => `${'checkout latency '.repeat(((i * 7) % 11) + 1)}#${i}`);
    const bucketed = await embedder.embed(texts, { batchSize: 4 });
    const oneByOne = await Promise.all(texts.map((t) => embedder.embedOne(t)));
    bucketed.forEach((vector, i) => expect(cosine(vector, oneByOne[i]!)).toBeGreaterThan(0.99999));
    await embedder.dispose();
  });

  it('a model folder that cannot be loaded is refused naming the folder and what it must hold', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'clearance-bad-model-'));
    mkdirSync(path.join(folder, 'onnx'));
    writeFileSync(path.join(folder, 'onnx', 'model.onnx'), 'not a model');
    await expect(Embedder.load(folder, 'fp32')).rejects.toThrow(
      new RegExp(`cannot load embedding model "${folder}" \\(fp32\\): .*complete all-MiniLM-L6-v2 ONNX export`),
    );
  });
});
