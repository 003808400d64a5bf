import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/cli/check.js';
import { splitKbuildArgs } from '../../src/cli/kbuild.js';
import { UsageError } from '../../src/errors.js';

/**
 * `auxbus check --kbuild`: reading apart the command line kbuild gives a checker
 * (`$(CHECK) $(CHECKFLAGS) $(c_flags) file.c`), on one captured from a real 6.12 build.
 */

const CAPTURED = readFileSync(join(import.meta.dirname, '../fixtures/kbuild/checksrc-args.txt'), 'utf8').trim().split('\n');

describe('splitKbuildArgs', () => {
  it('a real kbuild command line (6.12, x86_64, an external module): only the file is left; -D and -I are read, the rest skipped', () => {
    const { argv, compiler } = splitKbuildArgs(['--kbuild', ...CAPTURED], check.options);
    expect(argv).toEqual(['MODDIR/foo.c']);
    expect(compiler.defines).toEqual([
      '__linux__', 'linux', '__STDC__', 'unix', '__unix__', '__x86_64__', '__KERNEL__', 'MODULE',
      'KBUILD_BASENAME="foo"', 'KBUILD_MODNAME="foo"', '__KBUILD_MODNAME=kmod_foo',
    ]);
    expect(compiler.includes).toEqual([
      'SRCTREE/arch/x86/include', './arch/x86/include/generated', 'SRCTREE/include', './include',
      'SRCTREE/arch/x86/include/uapi', './arch/x86/include/generated/uapi', 'SRCTREE/include/uapi', './include/generated/uapi',
    ]);
    // -include takes the next argument: the header is not mistaken for a file to check.
    expect(compiler.ignored).toContain('-include SRCTREE/include/linux/kconfig.h');
    expect(compiler.ignored).toContain('--arch=x86');
    expect(compiler.ignored).toContain('-Wp,-MMD,MODDIR/.foo.o.d');
    expect(compiler.ignored).toContain('-std=gnu11');
    expect(compiler.ignored).toContain('-nostdinc');
  });

  it('auxbus\'s own long options stay, with their values, wherever they are; -o stays the compiler\'s', () => {
    const { argv, compiler } = splitKbuildArgs(['--format', 'json', '-I', 'include', '-DX=1', '-Ua', '-isystem', '/usr/include', '--ignore=memory-leak', 'a.c', '--output', 'r.txt', '-o', 'a.o'], check.options);
    expect(argv).toEqual(['--format', 'json', '--ignore=memory-leak', 'a.c', '--output', 'r.txt']);
    // -o is the compiler's object file there, never auxbus's report.
    expect(compiler).toEqual({ defines: ['X=1', '!a'], includes: ['include', '/usr/include'], ignored: ['-o a.o'] });
  });

  it('a flag that needs a value and has none is a UsageError, not a file', () => {
    expect(() => splitKbuildArgs(['a.c', '-include'], check.options)).toThrow(UsageError);
    expect(() => splitKbuildArgs(['a.c', '--format'], check.options)).toThrow(/--format needs a value/);
  });
});
