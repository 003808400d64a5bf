import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_DIR } from '../cli/run.js';

/**
 * The package as a user gets it: packed with `npm pack` (package.json `files` decides what is
 * in it), installed into an empty project with `npm ci --offline` (the tarball's dependencies
 * come from npm's cache, which `npm ci` of this checkout has filled), then its CLI run, its types
 * compiled by a consumer with skipLibCheck off, and the package imported and required.
 *
 * The tarball is made from a staging copy: this checkout's package.json, README and docs, with
 * dist/ taken from the build global-setup.ts made and the grammar copied by the same script the
 * build runs, so the test never rewrites the checkout's own dist/.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string; version: string; dependencies: Record<string, string>; files: string[]; bin: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; integrity: string }> };

let work: string;
let tarball: string;
let consumer: string;
let bin: string;

function run(cmd: string, args: string[], cwd: string, input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', ...(input === undefined ? {} : { input }), env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'auxbus-install-'));
  const stage = join(work, 'package');
  mkdirSync(join(stage, 'dist'), { recursive: true });
  for (const f of ['package.json', 'README.md', 'docs', 'cjs']) cpSync(join(ROOT, f), join(stage, f), { recursive: true });
  for (const d of ['src', 'machines', 'examples']) cpSync(join(BUILD_DIR, d), join(stage, 'dist', d), { recursive: true });
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'copy-grammar.mjs'), join(stage, 'dist', 'grammar')]);
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: stage, encoding: 'utf8' }).trim().split('\n').pop()!;
  tarball = join(work, packed);

  // A lock file for the consumer, so that `npm ci --offline` needs nothing but npm's cache: the
  // registry's metadata is not there after `npm ci`, only the tarballs, found by their integrity.
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version, resolved: spec, dependencies: pkg.dependencies, bin: pkg.bin,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
    },
  };
  for (const dep of Object.keys(pkg.dependencies)) {
    const entry = lock.packages[`node_modules/${dep}`]!;
    packages[`node_modules/${dep}`] = { version: entry.version, integrity: entry.integrity };
  }
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { [pkg.name]: spec } }));
  writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }));
  const ci = run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], consumer);
  if (ci.code !== 0) throw new Error(`npm ci --offline of the packed tarball failed:\n${ci.stdout}${ci.stderr}`);
  bin = join(consumer, 'node_modules', '.bin', 'auxbus');
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package, installed into an empty project', () => {
  it('ships only what runs: compiled code, the C grammar, README, docs; no sources, tests or benchmarks', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    expect(files).toContain('dist/grammar/tree-sitter-c.wasm');
    expect(files).toContain('dist/grammar/tree-sitter-c.LICENSE');
    expect(files).toContain('dist/src/cli/main.js');
    expect(files).toContain('dist/src/check/data/kernel-macros.json');
    expect(files).toContain('dist/src/check/worker.js'); // checkPaths' worker threads
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('cjs/index.cjs');
    expect(files).toContain('README.md');
    const unwanted = files.filter((f) => /^(test|bench|scripts|src|machines|examples|diagrams)\//.test(f) || /\.map$/.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
    expect(unwanted).toEqual([]);
  });

  it('runs no install script and brings no native build: tree-sitter-c is not installed, only its .wasm inside the package', () => {
    const installed = JSON.parse(readFileSync(join(consumer, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    expect(Object.entries(installed.packages).filter(([, p]) => p.hasInstallScript).map(([k]) => k)).toEqual([]);
    expect(existsSync(join(consumer, 'node_modules', 'tree-sitter-c'))).toBe(false);
    expect(readdirSync(join(consumer, 'node_modules')).sort()).toEqual(['.bin', '.package-lock.json', ...Object.keys(pkg.dependencies).map((d) => d.split('/')[0]!), pkg.name].sort());
  });

  it('its auxbus prints the version and checks C with the bundled grammar (exit 1 on a finding)', () => {
    expect(run(bin, ['--version'], consumer).stdout.trim()).toBe(pkg.version);
    cpSync(join(ROOT, 'test', 'fixtures', 'check', 'corpus', 'double-free-bad-1.c'), join(consumer, 'foo.c'));
    const r = run(bin, ['check', 'foo.c'], consumer);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.stdout).toMatch(/^foo\.c:\d+:\d+: warning: .*\[auxbus-double-free\]$/m);
    expect(r.code).toBe(1);
  });

  it('its auxbus checks a directory in worker threads (the worker ships in the package) with the output of one thread', () => {
    const d = join(consumer, 'drivers');
    const corpus = join(ROOT, 'test', 'fixtures', 'check', 'corpus');
    mkdirSync(d, { recursive: true });
    for (const f of readdirSync(corpus).filter((n) => n.endsWith('.c')).slice(0, 12)) cpSync(join(corpus, f), join(d, f));
    const one = run(bin, ['check', 'drivers', '--jobs', '1'], consumer);
    const two = run(bin, ['check', 'drivers', '--jobs', '2'], consumer);
    expect(two.stderr).not.toMatch(/error/);
    expect([two.code, two.stdout, two.stderr]).toEqual([one.code, one.stdout, one.stderr]);
    expect(one.stderr).toMatch(/^auxbus check: 12 files \(12 using the auxiliary bus\)/);
  });

  it('its types compile in a consumer with skipLibCheck off and strict on', () => {
    writeFileSync(join(consumer, 'use.ts'), [
      "import { checkSource, formatGcc, type CheckFinding } from 'auxbus-model';",
      "const r = await checkSource('int f(void) { return 0; }', 'f.c');",
      'const findings: CheckFinding[] = r.findings;',
      'console.log(findings.length, formatGcc({ ...r, files: 1 }));',
      '',
    ].join('\n'));
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true, types: [] },
      files: ['use.ts'],
    }));
    const tsc = run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.'], consumer);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });

  it('is imported from an ES module and required from CommonJS, with the same exports', () => {
    writeFileSync(join(consumer, 'esm.mjs'), "import * as m from 'auxbus-model';\nconsole.log(JSON.stringify(Object.keys(m).sort()));\n");
    writeFileSync(join(consumer, 'cjs.cjs'), "const m = require('auxbus-model');\nconsole.log(JSON.stringify(Object.keys(m).filter((k) => k !== '__esModule' && k !== 'module.exports').sort()));\n");
    const esm = run(process.execPath, ['esm.mjs'], consumer);
    const cjs = run(process.execPath, ['cjs.cjs'], consumer);
    expect(cjs.stderr).toBe('');
    const names = JSON.parse(esm.stdout) as string[];
    expect(names).toContain('checkPaths');
    expect(JSON.parse(cjs.stdout)).toEqual(names);
  });
});
