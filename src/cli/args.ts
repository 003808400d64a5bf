import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

/**
 * The small shared argument parser of `auxbus`: Node's own `util.parseArgs` in strict mode,
 * plus what it lacks: enumerated values, integers with bounds, and help text generated from
 * the same option table, so a flag cannot be parsed one way and documented another.
 */

/** One option of a command. */
export interface OptionSpec {
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  /** For a string option: its accepted values. */
  values?: readonly string[];
  /** For a string option that is a number: its bounds. */
  integer?: { min: number; max: number };
  /** For a string option: it may be given several times; its flag is then the array of values. */
  multiple?: boolean;
  /** How the value is shown in help, e.g. `FILE`. */
  valueName?: string;
  description: string;
  default?: string;
}

/** The options every command takes. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [{ name: 'help', type: 'boolean', short: 'h', description: 'show this help and exit' }];

/** What a command line parsed into. */
export interface ParsedArgs {
  flags: Record<string, string | boolean | number | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` against the options; throws {@link UsageError} for an unknown option, a missing
 * or bad value, or too many positionals.
 * @example parseCommandArgs(['--machine', 'ida'], [{ name: 'machine', type: 'string', values: ['ida'], description: '' }], 'auxbus paths').flags.machine // 'ida'
 */
export function parseCommandArgs(argv: string[], specs: readonly OptionSpec[], command: string, maxPositionals = 0): ParsedArgs {
  const all = [...specs, ...COMMON_OPTIONS];
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const s of all) {
    options[s.name] = s.short ? { type: s.type, short: s.short } : { type: s.type };
    if (s.multiple) options[s.name]!.multiple = true;
  }
  const hint = `${command} --help`;
  let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (e) {
    throw new UsageError(parseErrorMessage(e as Error & { code?: string }, all), hint);
  }
  const flags: ParsedArgs['flags'] = {};
  for (const s of all) {
    const raw = parsed.values[s.name] ?? s.default;
    if (raw === undefined) continue;
    if (Array.isArray(raw)) {
      const bad = s.values ? raw.find((v) => !s.values!.includes(v)) : undefined;
      if (bad !== undefined) throw new UsageError(`--${s.name}: got "${bad}", expected one of ${s.values!.join(', ')}`, hint);
      flags[s.name] = raw;
      continue;
    }
    if (typeof raw === 'string' && s.values && !s.values.includes(raw)) {
      throw new UsageError(`--${s.name}: got "${raw}", expected one of ${s.values.join(', ')}`, hint);
    }
    if (typeof raw === 'string' && s.integer) {
      const n = Number(raw);
      if (!/^-?\d+$/.test(raw) || n < s.integer.min || n > s.integer.max) {
        throw new UsageError(`--${s.name}: got "${raw}", expected an integer from ${s.integer.min} to ${s.integer.max}`, hint);
      }
      flags[s.name] = n;
    } else flags[s.name] = raw;
  }
  if (!flags.help && parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).join(' ');
    throw new UsageError(maxPositionals === 0 ? `unexpected argument: ${extra}` : `too many arguments: ${extra}`, hint);
  }
  return { flags, positionals: parsed.positionals };
}

function parseErrorMessage(e: Error & { code?: string }, specs: readonly OptionSpec[]): string {
  const option = /'(-{1,2}[^' ]+)/.exec(e.message)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return `unknown option ${option ?? ''}; known: ${specs.map((s) => `--${s.name}`).join(', ')}`.replace(/ ;/, ';');
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const spec = specs.find((s) => option && (option === `--${s.name}` || option.startsWith(`-${s.short ?? '\0'}`)));
    if (spec?.type === 'boolean') return `--${spec.name} takes no value`;
    return `${spec ? `--${spec.name}` : option ?? 'an option'} needs a value${spec?.valueName ? ` (${spec.valueName})` : ''}`;
  }
  return e.message;
}

/** The options part of a help text, one aligned line per option. */
export function optionsHelp(specs: readonly OptionSpec[]): string {
  const all = [...specs, ...COMMON_OPTIONS];
  const left = all.map((s) => {
    const value = s.type === 'string' ? ` ${s.valueName ?? (s.values ? s.values.join('|') : 'VALUE')}` : '';
    return `${s.short ? `-${s.short}, ` : '    '}--${s.name}${value}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return all
    .map((s, i) => {
      const extra = s.default !== undefined ? ` (default: ${s.default})` : '';
      return `  ${left[i]!.padEnd(width)}${s.description}${extra}`;
    })
    .join('\n');
}
