import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedSections, updateDoc } from './readme.js';

/**
 * `npm run readme` (write) / `npm run readme:check` (exit 1 when a generated section of the
 * README or of docs/ is stale).
 */
const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const check = process.argv[2] === 'check';
let stale = 0;
for (const [file, sections] of Object.entries(await generatedSections())) {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  const next = updateDoc(text, sections, file);
  if (next === text) console.log(`${file}: generated sections are current`);
  else if (check) {
    console.error(`${file}: generated sections are stale; run npm run readme`);
    stale++;
  } else {
    writeFileSync(path, next);
    console.log(`${file}: generated sections updated`);
  }
}
if (stale > 0) process.exit(1);
