import { isAbsolute, join, relative } from 'node:path';
import { AuxbusError } from '../../machines/index.js';
import { packageInfo } from '../package-info.js';
import { checkDiagrams, writeDiagrams } from './generate.js';

/**
 * `npm run diagrams` (write) and `npm run diagrams:check` (check): regenerate the committed
 * diagrams/ folder from the machines, or tell whether it is stale. `--dir DIR` works on another
 * folder (the tests check a copy). Exit codes: 0 done or current, 1 stale, 2 usage or I/O error.
 */
async function main(argv: string[]): Promise<number> {
  const [command = 'write', ...rest] = argv;
  let dir = join(packageInfo().root, 'diagrams');
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--dir' && rest[i + 1] !== undefined) dir = isAbsolute(rest[i + 1]!) ? rest[++i]! : join(process.cwd(), rest[++i]!);
    else return usage(`unknown argument ${rest[i]}`);
  }
  const shown = relative(process.cwd(), dir) || '.';
  if (command === 'write') {
    const written = await writeDiagrams(dir);
    console.log(`wrote ${written.length} files to ${shown}/`);
    return 0;
  }
  if (command === 'check') {
    const { stale, missing, current } = await checkDiagrams(dir);
    if (stale.length === 0 && missing.length === 0) {
      console.log(`${shown}/ is current (${current.length} files match the machines)`);
      return 0;
    }
    for (const f of stale) console.error(`stale: ${join(shown, f)} differs from what the machines produce`);
    for (const f of missing) console.error(`missing: ${join(shown, f)}`);
    console.error('run `npm run diagrams` to regenerate, then commit the result');
    return 1;
  }
  return usage(`unknown command ${command}`);
}

function usage(problem: string): number {
  console.error(`diagrams: ${problem}\nusage: node dist/src/diagrams/main.js write|check [--dir DIR]`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    if (e instanceof AuxbusError) {
      console.error(`diagrams: ${e.message}`);
      process.exitCode = 2;
    } else throw e;
  },
);
