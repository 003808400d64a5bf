import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { updateReadme } from './readme.js';

/** `npm run readme` (write) / `npm run readme:check` (exit 1 when README.md is stale). */
const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const path = join(root, 'README.md');
const text = readFileSync(path, 'utf8');
const next = updateReadme(text);
if (process.argv[2] === 'check') {
  if (next !== text) {
    console.error('README.md: the generated tables are stale; run npm run readme');
    process.exit(1);
  }
  console.log('README.md tables are current');
} else if (next !== text) {
  writeFileSync(path, next);
  console.log('README.md tables updated');
} else console.log('README.md tables are current');
