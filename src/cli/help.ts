import { optionsHelp, parseCommandArgs, type ParsedArgs } from './args.js';
import type { Command } from './command.js';
import { print, type Io } from './output.js';

/** The --help text of a command, generated from its option table. */
export function commandHelp(cmd: Command): string {
  const parts = [`usage: ${cmd.usage}`, '', cmd.description, '', 'options:', optionsHelp(cmd.options)];
  if (cmd.notes) parts.push('', cmd.notes);
  parts.push('', 'exit codes: 0 clean, 1 findings, 2 usage or input error');
  return `${parts.join('\n')}\n`;
}

/**
 * Parses a command's arguments; prints its help and returns undefined when --help was given.
 * @example const args = parseOrHelp(explain, ['--list'], io)
 */
export function parseOrHelp(cmd: Command, argv: string[], io: Io): ParsedArgs | undefined {
  const args = parseCommandArgs(argv, cmd.options, `auxbus ${cmd.name}`, cmd.positionals ?? 0);
  if (args.flags.help) {
    print(io, commandHelp(cmd));
    return undefined;
  }
  return args;
}
