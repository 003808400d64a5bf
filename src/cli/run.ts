import { AuxbusError } from '../../machines/common/errors.js';
import { UsageError } from '../errors.js';
import { packageInfo } from '../package-info.js';
import { EXIT } from './command.js';
import { COMMANDS } from './commands.js';
import { commandHelp } from './help.js';
import { colors, print, type Io } from './output.js';

/**
 * `auxbus`: the command line of auxbus-model. One file per command; this one dispatches, prints
 * the top-level help and turns errors into exit codes: a user's mistake (any AuxbusError) is one
 * line on stderr and exit 2, never a stack trace; anything else is a bug in auxbus and says so.
 * main.ts is the executable that calls it.
 */

export { COMMANDS };

function topHelp(): string {
  const { version } = packageInfo();
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 3;
  return [
    `auxbus ${version}: the Linux kernel's auxiliary-bus device lifecycle as an executable model`,
    '',
    'usage: auxbus COMMAND [options]      (auxbus COMMAND --help for its options)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'options:',
    '  -h, --help       show this help',
    '  -V, --version    print the version',
    '',
    'exit codes: 0 clean, 1 findings, 2 usage or input error (3: an internal error, a bug in auxbus;',
    '4: nothing found but incomplete: a bound reached, or code check could not analyse)',
    'environment: NO_COLOR=1 turns colour off; FORCE_COLOR=1 turns it on without a terminal',
    '',
  ].join('\n');
}

/**
 * Runs the command line and returns the exit code.
 * @example await runCli(['explain', 'double-delete'], { stdout: process.stdout, stderr: process.stderr, env: process.env })
 */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  const err = colors(io.stderr, io.env);
  try {
    if (name === undefined) {
      print(io, topHelp());
      return EXIT.usage;
    }
    if (name === '--help' || name === '-h') {
      print(io, topHelp());
      return EXIT.ok;
    }
    if (name === '--version' || name === '-V') {
      print(io, packageInfo().version);
      return EXIT.ok;
    }
    if (name === 'help') {
      const target = COMMANDS.find((c) => c.name === rest[0]);
      if (rest[0] !== undefined && !target) throw new UsageError(`no command "${rest[0]}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}`, 'auxbus --help');
      print(io, target ? commandHelp(await target.load()) : topHelp());
      return EXIT.ok;
    }
    const cmd = COMMANDS.find((c) => c.name === name);
    if (!cmd) {
      const what = name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}"`;
      throw new UsageError(`${what}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`, 'auxbus --help');
    }
    return await (await cmd.load()).run(rest, io);
  } catch (e) {
    const where = name && COMMANDS.some((c) => c.name === name) ? `auxbus ${name}` : 'auxbus';
    if (e instanceof AuxbusError) {
      io.stderr.write(`${err.red(`${where}: error:`)} ${e.message}\n`);
      if (e instanceof UsageError && e.helpHint) io.stderr.write(`${err.dim(`see: ${e.helpHint}`)}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`${err.red(`${where}: internal error`)} (a bug in auxbus-model; please report it with this output):\n${(e as Error).stack ?? String(e)}\n`);
    return EXIT.internal;
  }
}
