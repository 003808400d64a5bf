import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BUILD_DIR, BIN } from './run.js';

/**
 * Compiles the package once (tsc -p tsconfig.build.json, incremental) before the tests that
 * spawn the real `auxbus` binary. It compiles into a folder of its own under node_modules/.cache
 * rather than dist/, so that a build or benchmark running at the same time in the same checkout
 * cannot swap files under a running test, and the tests never rewrite anyone's dist/.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--incremental', '--tsBuildInfoFile', `${BUILD_DIR}/build.tsbuildinfo`],
    { cwd: root, encoding: 'utf8' },
  );
  // Type errors are the typecheck's business (npm test runs it first); only a missing binary stops here.
  if (!existsSync(BIN)) throw new Error(`building the auxbus binary failed:\n${run.stdout}${run.stderr}`);
}
