import type { OptionSpec } from './args.js';
import type { Io } from './output.js';

/**
 * What a command of `auxbus` is. Each command lives in its own file; main.ts only dispatches.
 * Exit codes for every command: 0 clean, 1 findings, 2 usage or input error, 3 internal error,
 * 4 incomplete and nothing found: a bound stopped the explorers before they were complete, or
 * `auxbus check` could not analyse some function (or file), or only partly.
 */

/** Exit codes, in one place. */
export const EXIT = Object.freeze({ ok: 0, findings: 1, usage: 2, internal: 3, bound: 4 });

/** One command of the command line. */
export interface Command {
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** Usage line(s), e.g. `auxbus explain CODE | --list [--json]`. */
  usage: string;
  /** What the command does, for its --help. */
  description: string;
  options: readonly OptionSpec[];
  /** Extra help text after the options (examples, notes). */
  notes?: string;
  /** How many positional arguments it takes. */
  positionals?: number;
  run(argv: string[], io: Io): Promise<number>;
}
