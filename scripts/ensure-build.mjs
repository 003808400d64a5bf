// Builds dist/ (tsc -p tsconfig.build.json) when it is missing or older than any source file in
// machines/, src/ or examples/, so that `npm start` and `npm run diagrams` work straight after a clone and
// stay quick afterwards. Plain JavaScript: it must run before anything is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'dist', 'src', 'cli', 'main.js');

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newest(p));
    // .json: the checker's macro data (src/check/data/) is part of the build.
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

const sources = Math.max(newest(join(root, 'machines')), newest(join(root, 'src')), newest(join(root, 'examples')), statSync(join(root, 'tsconfig.build.json')).mtimeMs);
if (!existsSync(marker) || statSync(marker).mtimeMs < sources) {
  process.stderr.write('building dist/ (tsc -p tsconfig.build.json)...\n');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (run.status !== 0) {
    if (!existsSync(marker)) process.exit(run.status ?? 1);
    process.stderr.write('warning: tsc reported errors; using the JavaScript it emitted anyway\n');
  }
}
