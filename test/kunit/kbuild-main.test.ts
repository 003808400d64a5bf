/**
 * `npm run kernel:kbuild`'s entry (src/kunit/kbuild-main.ts) on bad input, as a real process
 * (the build test/cli/global-setup.ts makes): no tree is found, nothing is built, exit 2 with
 * the tree module's message. The run on a real tree is `npm run kernel:kbuild` itself (CI).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILD_DIR, STACK_LINE } from '../cli/run.js';

const MAIN = `${BUILD_DIR}/src/kunit/kbuild-main.js`;
const TMP = mkdtempSync(join(tmpdir(), 'auxbus-kbuild-main-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function kbuild(args: string[], env: Record<string, string | undefined>) {
  const base: NodeJS.ProcessEnv = { ...process.env, AUXBUS_NO_INSTALL: '1', AUXBUS_CACHE: join(TMP, 'cache') };
  delete base.KERNEL_SRC;
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...base, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kernel:kbuild on bad input', () => {
  it('KERNEL_SRC naming no tree: the tree module\'s message, exit 2, no stack', () => {
    const r = kbuild([], { KERNEL_SRC: join(TMP, 'missing') });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`kernel:kbuild: ${join(TMP, 'missing')} is not a kernel source tree (no Makefile, tools/testing/kunit/kunit.py and drivers/base/auxiliary.c) nor a .tar.xz of one\n`);
    expect(r.stdout).toBe('');
  });

  it('--kernel DIR the same', () => {
    const r = kbuild(['--kernel', join(TMP, 'missing')], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a kernel source tree');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('no tree anywhere (no package under /usr/src, not installing): how to give one, exit 2', () => {
    const r = kbuild([], { AUXBUS_USR_SRC: join(TMP, 'usr-src') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^kernel:kbuild: no kernel tree: give one with --kernel DIR \(or KERNEL_SRC=DIR\)/);
  });

  it('an argument it does not take: usage, exit 2', () => {
    const r = kbuild(['--jobs', '4'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^kernel:kbuild: usage: npm run kernel:kbuild \[-- --kernel DIR\|TARBALL\]/);
  });
});
