import { UsageError } from '../errors.js';
import type { OptionSpec } from './args.js';

/**
 * `auxbus check --kbuild`: the command line kbuild gives a checker, `$(CHECK) $(CHECKFLAGS)
 * $(c_flags) file.c` (scripts/Makefile.build, cmd_checksrc), read apart: auxbus's own options,
 * the compiler's flags (-D, -U, -I, -include, -isystem, -W..., -f..., -m..., -std=, -nostdinc,
 * sparse's --arch=...), and the files. The checker reads C without a preprocessor (both sides
 * of an #ifdef, macros by name), so no flag changes what it finds: -D, -U and -I are parsed and
 * kept for the report, every other flag is skipped.
 */

/**
 * What a kbuild command line gave besides auxbus's own options.
 * @example const f: CompilerFlags = { defines: ['__KERNEL__'], includes: ['include'], ignored: ['-O2'] };
 */
export interface CompilerFlags {
  /** -D NAME[=VALUE] and -U NAME, in order (`-UNAME` as `!NAME`). */
  defines: string[];
  /** -I, -isystem, -iquote, -idirafter folders. */
  includes: string[];
  /** Every other compiler flag, as given (with its value when it takes one). */
  ignored: string[];
}

/** Compiler flags whose value is the next argument when not joined (`-I dir`, `-include f.h`). */
const TAKES_VALUE = new Set(['-D', '-U', '-I', '-include', '-imacros', '-isystem', '-idirafter', '-iquote', '-iprefix', '-iwithprefix', '-o', '-MF', '-MT', '-MQ', '-x', '--param', '-Xassembler', '-Xpreprocessor', '-Xlinker', '-aux-info']);
const INCLUDE_DIR = ['-I', '-isystem', '-iquote', '-idirafter'];

/**
 * Splits a kbuild command line: auxbus's long options (`--format`, from `specs`) stay for the
 * usual parser, with `--kbuild` itself removed; compiler flags (`-o` among them) are collected;
 * files stay.
 * @example splitKbuildArgs(['-D__KERNEL__', '-Iinclude', 'foo.c'], []).compiler.defines // ['__KERNEL__']
 */
export function splitKbuildArgs(argv: readonly string[], specs: readonly OptionSpec[]): { argv: string[]; compiler: CompilerFlags } {
  const ours = new Map<string, OptionSpec>();
  // Only long names: a short one is a compiler's (`-o` there names the object file).
  for (const s of specs) ours.set(`--${s.name}`, s);
  const out: string[] = [];
  const compiler: CompilerFlags = { defines: [], includes: [], ignored: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--kbuild') continue;
    const name = a.startsWith('--') ? a.split('=')[0]! : a;
    const spec = ours.get(name);
    if (spec) {
      out.push(a);
      if (spec.type === 'string' && !a.includes('=')) {
        if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`, 'auxbus check --help');
        out.push(argv[++i]!);
      }
      continue;
    }
    if (!a.startsWith('-') || a === '-') {
      out.push(a);
      continue;
    }
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    let flag = a;
    let value: string | undefined;
    if (TAKES_VALUE.has(a)) {
      if (i + 1 >= argv.length) throw new UsageError(`compiler flag ${a} needs a value`, 'auxbus check --help');
      value = argv[++i]!;
    } else {
      const joined = /^-(D|U|I)(.+)$/.exec(a) ?? /^-(isystem|iquote|idirafter)(.+)$/.exec(a);
      if (joined) {
        flag = `-${joined[1]}`;
        value = joined[2];
      }
    }
    if (flag === '-D' && value !== undefined) compiler.defines.push(value);
    else if (flag === '-U' && value !== undefined) compiler.defines.push(`!${value}`);
    else if (INCLUDE_DIR.includes(flag) && value !== undefined) compiler.includes.push(value);
    else compiler.ignored.push(value === undefined ? a : `${a} ${value}`);
  }
  return { argv: out, compiler };
}
