import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { AuxbusError } from '../../machines/index.js';

/**
 * Finding a kernel tree to run the suites on, and the working copy of it the runner may change:
 * the user's tree is never written to; the copy and its builds live in a cache directory outside
 * the checkout, so a second run only rebuilds the suite.
 */

/** No kernel tree could be found or prepared; the message says how to give one. */
export class KernelTreeError extends AuxbusError {
  constructor(message: string) {
    super('kernel-tree', message);
  }
}

/** Where a kernel tree comes from. */
export type TreeSource = { kind: 'directory'; path: string } | { kind: 'tarball'; path: string };

/** Debian's kernel source package, the default tree (kernel-auxbus.md §3.9). */
export const DEBIAN_PACKAGE = 'linux-source-6.12';

/** The cache root: `$AUXBUS_CACHE`, else `$XDG_CACHE_HOME/auxbus-model`, else `~/.cache/auxbus-model`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AUXBUS_CACHE) return resolve(env.AUXBUS_CACHE);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'auxbus-model');
}

/** Whether `dir` looks like a kernel source tree KUnit can run from. */
export function isKernelTree(dir: string): boolean {
  return existsSync(join(dir, 'Makefile')) && existsSync(join(dir, 'tools/testing/kunit/kunit.py')) && existsSync(join(dir, 'drivers/base/auxiliary.c'));
}

/** `VERSION.PATCHLEVEL.SUBLEVEL` from a tree's top Makefile. */
export function kernelVersion(dir: string): string {
  const make = readFileSync(join(dir, 'Makefile'), 'utf8');
  const get = (k: string) => new RegExp(`^${k}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(make)?.[1] ?? '';
  const v = [get('VERSION'), get('PATCHLEVEL'), get('SUBLEVEL')].filter((x) => x !== '').join('.');
  if (v === '') throw new KernelTreeError(`${dir}/Makefile has no VERSION line: not a kernel tree`);
  return v + get('EXTRAVERSION');
}

/** The newest `/usr/src/linux-source-*.tar.xz`, if any. */
function debianTarball(usrSrc: string): string | undefined {
  if (!existsSync(usrSrc)) return undefined;
  const found = readdirSync(usrSrc).filter((f) => /^linux-source-[\d.]+\.tar\.xz$/.test(f)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return found.length ? join(usrSrc, found[found.length - 1]!) : undefined;
}

/**
 * The tree to use: `explicit` (a directory or a `.tar.xz`), else `$KERNEL_SRC`, else Debian's
 * package under /usr/src, installing it with apt-get when it is missing and we are root.
 * Throws KernelTreeError saying how to get one otherwise.
 */
export function findKernelTree(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, log: (s: string) => void = () => {}): TreeSource {
  const given = explicit ?? env.KERNEL_SRC;
  if (given !== undefined && given !== '') {
    const path = resolve(given);
    if (/\.tar\.(xz|gz)$/.test(path) && existsSync(path)) return { kind: 'tarball', path };
    if (isKernelTree(path)) return { kind: 'directory', path };
    throw new KernelTreeError(`${path} is not a kernel source tree (no Makefile, tools/testing/kunit/kunit.py and drivers/base/auxiliary.c) nor a .tar.xz of one`);
  }
  const usrSrc = env.AUXBUS_USR_SRC ?? '/usr/src';
  let tarball = debianTarball(usrSrc);
  if (tarball === undefined && typeof process.getuid === 'function' && process.getuid() === 0 && env.AUXBUS_NO_INSTALL === undefined) {
    log(`installing Debian's ${DEBIAN_PACKAGE} (apt-get install -y ${DEBIAN_PACKAGE})`);
    const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', DEBIAN_PACKAGE], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) {
      const u = spawnSync('apt-get', ['update'], { stdio: 'ignore' });
      const again = u.status === 0 ? spawnSync('apt-get', ['install', '-y', '--no-install-recommends', DEBIAN_PACKAGE], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }) : r;
      if (again.status !== 0) throw new KernelTreeError(`apt-get install ${DEBIAN_PACKAGE} failed: ${(again.stderr ?? r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? 'no output'}; give a tree with --kernel DIR or KERNEL_SRC=DIR`);
    }
    tarball = debianTarball(usrSrc);
  }
  if (tarball !== undefined) return { kind: 'tarball', path: tarball };
  throw new KernelTreeError(`no kernel tree: give one with --kernel DIR (or KERNEL_SRC=DIR), or install Debian's package as root: apt-get install ${DEBIAN_PACKAGE}`);
}

/** The programs a UML kernel build needs, and the Debian packages that bring them. */
const BUILD_TOOLS: ReadonlyArray<[string, string]> = [['gcc', 'gcc'], ['make', 'make'], ['flex', 'flex'], ['bison', 'bison'], ['bc', 'bc'], ['python3', 'python3'], ['perl', 'perl'], ['tar', 'tar'], ['xz', 'xz-utils']];

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Checks that the kernel build's programs are there; as root on Debian, installs the missing
 * ones with apt-get. Throws KernelTreeError naming what is missing otherwise.
 */
export function ensureBuildTools(env: NodeJS.ProcessEnv = process.env, log: (s: string) => void = () => {}): void {
  const missing = BUILD_TOOLS.filter(([cmd]) => !onPath(cmd));
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg);
  const root = typeof process.getuid === 'function' && process.getuid() === 0 && env.AUXBUS_NO_INSTALL === undefined;
  if (root && onPath('apt-get')) {
    log(`installing the kernel build's tools (apt-get install -y ${packages.join(' ')})`);
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages, 'libc6-dev'], { stdio: 'ignore' });
    if (r.status === 0 && BUILD_TOOLS.every(([cmd]) => onPath(cmd))) return;
  }
  throw new KernelTreeError(`a UML kernel build needs ${missing.map(([c]) => c).join(', ')}: install them (Debian: apt-get install ${packages.join(' ')})`);
}

/**
 * What an x86_64 defconfig build needs beyond {@link ensureBuildTools}'s programs: objtool links
 * libelf (`gelf.h`), the module-signing tools OpenSSL (`openssl/opensslv.h`); headers, not
 * programs, so they are looked for where Debian installs them.
 */
const X86_HEADERS: ReadonlyArray<[string, string]> = [['gelf.h', 'libelf-dev'], ['openssl/opensslv.h', 'libssl-dev']];

/**
 * Checks that an x86_64 kernel build's headers are there (kbuild-run.ts's defconfig +
 * modules_prepare); as root on Debian, installs the missing ones with apt-get. Throws
 * KernelTreeError naming the packages otherwise.
 * @example ensureX86BuildHeaders(process.env, console.error)
 */
export function ensureX86BuildHeaders(env: NodeJS.ProcessEnv = process.env, log: (s: string) => void = () => {}, include = '/usr/include'): void {
  const missing = X86_HEADERS.filter(([h]) => !existsSync(join(include, h)));
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg);
  const root = typeof process.getuid === 'function' && process.getuid() === 0 && env.AUXBUS_NO_INSTALL === undefined;
  if (root && onPath('apt-get')) {
    log(`installing the x86_64 build's headers (apt-get install -y ${packages.join(' ')})`);
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'ignore' });
    if (r.status === 0 && X86_HEADERS.every(([h]) => existsSync(join(include, h)))) return;
  }
  throw new KernelTreeError(`an x86_64 kernel build needs ${missing.map(([h]) => h).join(', ')}: install them (Debian: apt-get install ${packages.join(' ')})`);
}

/** A stable, path-safe key of a source (the same tree maps to the same cache directory). */
function sourceKey(source: TreeSource): string {
  const name = basename(source.path).replace(/\.tar\.(xz|gz)$/, '').replace(/[^A-Za-z0-9._-]+/g, '_');
  let h = 0;
  for (const ch of source.path) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return `${name}-${h.toString(16)}`;
}

/** The working copy and its build directories. */
export interface WorkTree {
  /** The copy of the tree the suites are written into. */
  src: string;
  /** Where its builds go (one subdirectory per configuration). */
  builds: string;
  version: string;
}

function run(cmd: string, args: string[], cwd?: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new KernelTreeError(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' ')}`);
}

/**
 * The cached working copy of `source`, made on first use (unpacked from the tarball, or copied
 * from the directory without its .git) and reused after.
 */
export function workTree(source: TreeSource, cache: string = cacheRoot(), log: (s: string) => void = () => {}): WorkTree {
  const base = join(cache, 'kernel', sourceKey(source));
  const src = join(base, 'src');
  const builds = join(base, 'build');
  if (!existsSync(join(src, '.auxbus-ready'))) {
    const tmp = join(base, 'src.partial');
    rmSync(tmp, { recursive: true, force: true });
    rmSync(src, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    if (source.kind === 'tarball') {
      log(`unpacking ${source.path} into ${base} (once)`);
      run('tar', ['-xf', source.path, '-C', tmp, '--strip-components=1']);
    } else {
      log(`copying ${source.path} into ${base} (once; the tree itself is never changed)`);
      run('tar', ['-cf', join(base, 'copy.tar'), '--exclude=.git', '-C', source.path, '.']);
      run('tar', ['-xf', join(base, 'copy.tar'), '-C', tmp]);
      rmSync(join(base, 'copy.tar'), { force: true });
    }
    if (!isKernelTree(tmp)) throw new KernelTreeError(`${source.path} did not give a kernel tree with KUnit and the auxiliary bus`);
    writeFileSync(join(tmp, '.auxbus-ready'), `${source.path}\n`);
    renameSync(tmp, src);
  }
  mkdirSync(builds, { recursive: true });
  return { src, builds, version: kernelVersion(src) };
}
