import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, kernelVersion } from '../../kunit/tree.js';
import { writeFileWhole } from '../../write-file.js';
import { deriveKernelMacros, type KernelMacroData } from './derive.js';
import { scanHeader, type Scanned } from './tokens.js';

/**
 * `npm run macros [-- TREE] [--check]`: reads a kernel tree's headers (include/linux/ and its
 * subdirectories) and writes what the checker knows of the kernel's macros to
 * src/check/data/kernel-macros.json, with the tree's version. `--check` writes nothing and exits
 * 1 when the committed file differs from what the tree gives. The tree is TREE, else
 * $KERNEL_SRC, else the kernel the kunit runner unpacked into its cache.
 */

/** Which headers are read, relative to the tree. */
export const HEADER_DIR = 'include/linux';

/** Every `.h` under `dir`, sorted (so the data does not depend on the file system's order). */
function headersUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.h')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * The macro data of the kernel tree at `tree`.
 * @example const data = kernelMacrosOfTree('/usr/src/linux'); data.sizeofOnly['kzalloc_obj'] // [0]
 */
export function kernelMacrosOfTree(tree: string): KernelMacroData {
  const dir = join(tree, HEADER_DIR);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${tree} has no ${HEADER_DIR}/: not a kernel source tree`);
  const scanned: Scanned[] = headersUnder(dir).map((f) => scanHeader(readFileSync(f, 'latin1'), relative(tree, f)));
  return deriveKernelMacros(scanned, { tree: kernelVersion(tree), headers: `${HEADER_DIR}/**/*.h` });
}

/** The repository's root: the nearest directory above this module with a package.json. */
function repositoryRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error('no package.json above the macro generator');
    d = up;
  }
  return d;
}

/** Where the data file is committed. */
export function dataFile(): string {
  return join(repositoryRoot(), 'src', 'check', 'data', 'kernel-macros.json');
}

/** The tree to read when none is given: $KERNEL_SRC, else the newest tree the kunit runner unpacked. */
function defaultTree(env: NodeJS.ProcessEnv): string | undefined {
  if (env.KERNEL_SRC) return env.KERNEL_SRC;
  const kernels = join(cacheRoot(env), 'kernel');
  if (!existsSync(kernels)) return undefined;
  const trees = readdirSync(kernels).map((d) => join(kernels, d, 'src')).filter((d) => existsSync(join(d, HEADER_DIR)));
  return trees.sort().pop();
}

/** The JSON text of the data, as committed: one macro (or class) a line, so a regeneration's diff reads as what changed. */
export function dataText(data: KernelMacroData): string {
  const section = (value: unknown): string => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value);
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n')}\n  }`;
  };
  const body = Object.entries(data).map(([k, v]) => `  ${JSON.stringify(k)}: ${k === 'source' ? JSON.stringify(v) : section(v)}`);
  return `{\n${body.join(',\n')}\n}\n`;
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const rest = argv.filter((a) => a !== '--check');
  if (rest.some((a) => a.startsWith('-'))) {
    process.stderr.write('usage: npm run macros [-- TREE] [--check]\n');
    return 2;
  }
  const tree = rest[0] ?? defaultTree(process.env);
  if (tree === undefined) {
    process.stderr.write('no kernel tree: give one (npm run macros -- /path/to/linux) or set KERNEL_SRC\n');
    return 2;
  }
  const data = kernelMacrosOfTree(resolve(tree));
  const text = dataText(data);
  const file = dataFile();
  const summary = `${data.source.files} headers of ${data.source.tree}: ${Object.keys(data.sizeofOnly).length} macros with sizeof-only arguments, ` +
    `${Object.keys(data.loops).length} loops, ${Object.keys(data.scopes).length} scopes, ${Object.keys(data.guards).length} guard classes, ` +
    `${Object.keys(data.frees).length} __free classes, ${Object.keys(data.takes).length} hand-overs, ${Object.keys(data.aliases).length} aliases`;
  if (check) {
    const same = existsSync(file) && readFileSync(file, 'utf8') === text;
    process.stdout.write(`${same ? 'up to date' : 'differs'}: ${relative(process.cwd(), file)} (${summary})\n`);
    return same ? 0 : 1;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileWhole(file, text);
  process.stdout.write(`wrote ${relative(process.cwd(), file)}: ${summary}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
