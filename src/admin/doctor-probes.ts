import { constants, existsSync } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { HUB_MODEL_ID, isRemoteUri, type Config } from '../config/config.js';

/** Small probes for `clearance doctor`: each answers with a problem (a sentence with the fix) or null. Nothing here writes. */

/** The nearest folder that exists at or above `dir`. */
function nearestExisting(dir: string): string {
  let at = path.resolve(dir);
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}

/** Whether Clearance can write into `dir` (creating it if missing), without writing anything now. */
export async function writableProblem(dir: string, what: string): Promise<string | null> {
  const at = nearestExisting(dir);
  const info = await stat(at);
  if (!info.isDirectory()) return `${what} ${dir}: ${at} is a file, not a folder. Point it at a folder.`;
  try {
    await access(at, constants.W_OK | constants.X_OK);
    return null;
  } catch {
    return `${what} ${dir}: ${at === path.resolve(dir) ? 'is not writable' : `cannot be created (${at} is not writable)`} by this user. Fix its permissions or point it elsewhere.`;
  }
}

const MODEL_FILES = (dtype: Config['modelDtype']) => ['config.json', 'tokenizer.json', dtype === 'q8' ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx'];

export function modelProblem(config: Config): { problem: string | null; detail: string } {
  if (config.modelDir === HUB_MODEL_ID)
    return { problem: null, detail: `${HUB_MODEL_ID} (downloaded from the Hugging Face hub on first use; set modelDir for offline use)` };
  const missing = MODEL_FILES(config.modelDtype).filter((f) => !existsSync(path.join(config.modelDir, f)));
  if (missing.length === 0) return { problem: null, detail: `${config.modelDir} (${config.modelDtype})` };
  return {
    problem: `${config.modelDir} lacks ${missing.join(', ')} (${config.modelDtype}). Set modelDir (CLEARANCE_MODEL_DIR, --model-dir) to a folder holding all-MiniLM-L6-v2 in ONNX form.`,
    detail: config.modelDir,
  };
}

/** Whether `serve --http` could listen on the configured host and port now. */
export function portProblem(host: string, port: number): Promise<string | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      resolve(
        err.code === 'EADDRINUSE'
          ? `${host}:${port} is in use (a running \`clearance serve --http\`, or another program). Stop it or set httpPort.`
          : `cannot listen on ${host}:${port} (${err.code ?? err.message}). Set httpHost / httpPort.`,
      ),
    );
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

/** The signing key folder: absent is fine (created 0700 on the first `task start`), else it must be private. */
export async function keysProblem(keysDir: string): Promise<{ problem: string | null; detail: string }> {
  if (!existsSync(keysDir)) {
    const problem = await writableProblem(keysDir, 'keys folder');
    return { problem, detail: `${keysDir} (created on the first \`task start\`)` };
  }
  const info = await stat(keysDir);
  if (!info.isDirectory()) return { problem: `${keysDir} is not a folder. Point keysDir at a folder.`, detail: keysDir };
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    return {
      problem: `${keysDir} is readable by others (mode ${(info.mode & 0o777).toString(8)}); whoever reads it can mint grants. Run chmod 700 on it.`,
      detail: keysDir,
    };
  }
  const files = await readdir(keysDir);
  return { problem: await writableProblem(keysDir, 'keys folder'), detail: `${keysDir} (${files.length} file(s))` };
}

export const storeLocation = (config: Config) => (isRemoteUri(config.storeUri) ? config.storeUri : path.resolve(config.storeUri));
