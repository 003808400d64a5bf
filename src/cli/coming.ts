import { packageInfo } from '../package-info.js';
import { EXIT, type Command } from './command.js';
import { parseOrHelp } from './help.js';

/**
 * A command announced but not in this version: its --help says what it will do; running it
 * says it is not available yet and exits 2.
 */
export function comingCommand(name: string, summary: string, description: string): Command {
  const cmd: Command = {
    name,
    summary: `(coming in a later version) ${summary}`,
    usage: `auxbus ${name} ...`,
    description: `Not available in this version. When it comes: ${description}`,
    options: [],
    coming: true,
    positionals: Number.POSITIVE_INFINITY,
    async run(argv, io) {
      if (!parseOrHelp(cmd, argv.filter((a) => a === '--help' || a === '-h'), io)) return EXIT.ok;
      io.stderr.write(`auxbus ${name}: not available yet in this version (${packageInfo().version}); it comes in a later version. See auxbus --help.\n`);
      return EXIT.usage;
    },
  };
  return cmd;
}
