/**
 * `npm run reference`: regenerates docs/reference/ (pages and JSON Schemas) from the zod schemas.
 * Commit the result; test/unit/reference.test.ts fails when the checked-in copy drifts.
 */
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/config/package.js';
import { writeReference } from './reference/generate.js';

const out = path.resolve(process.argv[2] ?? path.join(PACKAGE_ROOT, 'docs/reference'));
const files = writeReference(out);
process.stdout.write(`wrote ${files.length} files to ${out}:\n${files.map((f) => `  ${f}\n`).join('')}`);
