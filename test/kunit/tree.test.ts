/**
 * Finding a kernel tree (src/kunit/tree.ts): no tarball is unpacked and nothing is built here;
 * every tree is a temporary directory with the few files the finder looks at. AUXBUS_NO_INSTALL
 * is set wherever the finder could otherwise run apt-get (these tests may run as root).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuxbusError } from '../../machines/index.js';
import { cacheRoot, DEBIAN_PACKAGE, ensureX86BuildHeaders, findKernelTree, isKernelTree, kernelVersion, KernelTreeError } from '../../src/kunit/index.js';

const TMP = mkdtempSync(join(tmpdir(), 'auxbus-tree-test-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

let n = 0;
function dir(files: Record<string, string> = {}): string {
  const d = join(TMP, `d${n++}`);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(d, f, '..'), { recursive: true });
    writeFileSync(join(d, f), text);
  }
  return d;
}

/** The head of the top Makefile of Linux 6.12.118 (Debian's linux-source-6.12, kernel-auxbus.md §3.9). */
const MAKEFILE = ['# SPDX-License-Identifier: GPL-2.0', 'VERSION = 6', 'PATCHLEVEL = 12', 'SUBLEVEL = 118', 'EXTRAVERSION =', 'NAME = Baby Opossum Posse', ''].join('\n');

const TREE_FILES = { Makefile: MAKEFILE, 'tools/testing/kunit/kunit.py': '#!/usr/bin/env python3\n', 'drivers/base/auxiliary.c': '// SPDX-License-Identifier: GPL-2.0-only\n' };

/** Runs f, expecting a KernelTreeError; returns it. */
function treeError(f: () => unknown): KernelTreeError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(KernelTreeError);
  // A user's mistake: an AuxbusError, which the command line turns into one line and exit 2.
  expect(caught).toBeInstanceOf(AuxbusError);
  expect((caught as KernelTreeError).code).toBe('kernel-tree');
  return caught as KernelTreeError;
}

describe('cacheRoot', () => {
  it('$AUXBUS_CACHE first (made absolute), then $XDG_CACHE_HOME/auxbus-model, then ~/.cache/auxbus-model', () => {
    expect(cacheRoot({ AUXBUS_CACHE: '/srv/cache', XDG_CACHE_HOME: '/xdg' })).toBe('/srv/cache');
    expect(cacheRoot({ AUXBUS_CACHE: 'rel/cache' })).toBe(resolve('rel/cache'));
    expect(cacheRoot({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/auxbus-model');
    expect(cacheRoot({})).toBe(join(homedir(), '.cache', 'auxbus-model'));
    // An empty variable is as good as unset.
    expect(cacheRoot({ AUXBUS_CACHE: '', XDG_CACHE_HOME: '' })).toBe(join(homedir(), '.cache', 'auxbus-model'));
  });
});

describe('kernelVersion', () => {
  it('VERSION.PATCHLEVEL.SUBLEVEL from the top Makefile, with an empty EXTRAVERSION: 6.12.118 (the NAME line is not read)', () => {
    expect(kernelVersion(dir({ Makefile: MAKEFILE }))).toBe('6.12.118');
  });

  it('EXTRAVERSION is appended as the kernel\'s own `make kernelversion` does: 6.13.0-rc3', () => {
    const rc = MAKEFILE.replace('PATCHLEVEL = 12', 'PATCHLEVEL = 13').replace('SUBLEVEL = 118', 'SUBLEVEL = 0').replace('EXTRAVERSION =', 'EXTRAVERSION = -rc3');
    expect(kernelVersion(dir({ Makefile: rc }))).toBe('6.13.0-rc3');
  });

  it('a Makefile with no VERSION line is not a kernel tree: KernelTreeError naming the Makefile', () => {
    const d = dir({ Makefile: 'all:\n\techo hi\n' });
    expect(treeError(() => kernelVersion(d)).message).toContain(`${d}/Makefile`);
  });
});

describe('isKernelTree', () => {
  it('true for a directory with Makefile, tools/testing/kunit/kunit.py and drivers/base/auxiliary.c', () => {
    expect(isKernelTree(dir(TREE_FILES))).toBe(true);
  });

  it('false when any one of the three is missing (no KUnit runner, or a tree without the auxiliary bus)', () => {
    for (const missing of Object.keys(TREE_FILES)) {
      const files = { ...TREE_FILES } as Record<string, string>;
      delete files[missing];
      expect(isKernelTree(dir(files)), missing).toBe(false);
    }
    expect(isKernelTree(join(TMP, 'no-such-dir'))).toBe(false);
  });
});

describe('findKernelTree', () => {
  const noInstall = (extra: Record<string, string> = {}) => ({ AUXBUS_NO_INSTALL: '1', AUXBUS_USR_SRC: dir(), ...extra });

  it('an explicit directory that is a tree is used as it is', () => {
    const d = dir(TREE_FILES);
    expect(findKernelTree(d, noInstall())).toEqual({ kind: 'directory', path: d });
  });

  it('an explicit path that is not a tree: KernelTreeError naming the path (absolute) and what a tree needs', () => {
    const empty = dir();
    const e = treeError(() => findKernelTree(empty, noInstall()));
    expect(e.message).toContain(empty);
    expect(e.message).toContain('kunit.py');
    const missing = join(TMP, 'nowhere', 'linux');
    expect(treeError(() => findKernelTree(missing, noInstall())).message).toContain(missing);
    // Relative paths are named as absolute ones.
    expect(treeError(() => findKernelTree('no-such-linux', noInstall())).message).toContain(resolve('no-such-linux'));
  });

  it('an explicit path wins over $KERNEL_SRC; $KERNEL_SRC is used when no path is given', () => {
    const a = dir(TREE_FILES);
    const b = dir(TREE_FILES);
    expect(findKernelTree(a, noInstall({ KERNEL_SRC: b }))).toEqual({ kind: 'directory', path: a });
    expect(findKernelTree(undefined, noInstall({ KERNEL_SRC: b }))).toEqual({ kind: 'directory', path: b });
  });

  it('an explicit .tar.xz that exists is a tarball source (not unpacked here)', () => {
    const d = dir({ 'linux-6.12.118.tar.xz': '' });
    const t = join(d, 'linux-6.12.118.tar.xz');
    expect(findKernelTree(t, noInstall())).toEqual({ kind: 'tarball', path: t });
  });

  it(`nothing given, nothing under /usr/src and no install allowed: KernelTreeError saying how (--kernel, or apt-get install ${DEBIAN_PACKAGE}); apt-get is not run`, () => {
    const said: string[] = [];
    const e = treeError(() => findKernelTree(undefined, noInstall(), (s) => said.push(s)));
    expect(e.message).toContain('--kernel');
    expect(e.message).toContain('apt-get install linux-source-6.12');
    expect(said).toEqual([]);
  });

  it('§3.9: Debian\'s linux-source-6.12.tar.xz under /usr/src is the default tree, as a tarball', () => {
    const usr = dir({ 'linux-source-6.12.tar.xz': '', 'linux-config-6.12/README': '' });
    expect(findKernelTree(undefined, { AUXBUS_NO_INSTALL: '1', AUXBUS_USR_SRC: usr })).toEqual({ kind: 'tarball', path: join(usr, 'linux-source-6.12.tar.xz') });
  });

  it('of several linux-source tarballs the newest version is taken, compared as numbers (6.12 after 6.9)', () => {
    const usr = dir({ 'linux-source-6.9.tar.xz': '', 'linux-source-6.12.tar.xz': '', 'linux-source-6.1.tar.xz': '' });
    expect(findKernelTree(undefined, { AUXBUS_NO_INSTALL: '1', AUXBUS_USR_SRC: usr })).toEqual({ kind: 'tarball', path: join(usr, 'linux-source-6.12.tar.xz') });
  });
});

describe('ensureX86BuildHeaders (npm run kernel:kbuild on a clean machine)', () => {
  it('objtool\'s libelf and the signing tools\' OpenSSL headers: names the Debian packages of those missing, passes when both are there', () => {
    const include = mkdtempSync(join(tmpdir(), 'auxbus-include-'));
    try {
      const noInstall = { AUXBUS_NO_INSTALL: '1' };
      expect(() => ensureX86BuildHeaders(noInstall, () => {}, include)).toThrow(KernelTreeError);
      expect(() => ensureX86BuildHeaders(noInstall, () => {}, include)).toThrow(/gelf\.h, openssl\/opensslv\.h.*apt-get install libelf-dev libssl-dev/);
      writeFileSync(join(include, 'gelf.h'), '');
      expect(() => ensureX86BuildHeaders(noInstall, () => {}, include)).toThrow(/needs openssl\/opensslv\.h: .*apt-get install libssl-dev\)$/);
      mkdirSync(join(include, 'openssl'));
      writeFileSync(join(include, 'openssl', 'opensslv.h'), '');
      expect(() => ensureX86BuildHeaders(noInstall, () => {}, include)).not.toThrow();
    } finally {
      rmSync(include, { recursive: true, force: true });
    }
  });
});
