import { MACHINE_NAMES } from '../catalog.js';
import { UsageError } from '../errors.js';
import { machineConfig } from '../export/machine.js';
import { EXIT, type Command } from './command.js';
import { parseOrHelp } from './help.js';
import { print, type Io } from './output.js';

/** `auxbus export`: a machine as data, for XState's createMachine and Stately's editor. */

/**
 * The `export` command.
 * @example await exportCommand.run(['--machine', 'device'], io)
 */
export const exportCommand: Command = {
  name: 'export',
  summary: 'print a machine\'s XState config as JSON (for createMachine and Stately\'s editor)',
  usage: 'auxbus export --machine device|ida|driver|memory [--format json]',
  description:
    'Prints the machine\'s config: states, transitions, guards and actions by name, descriptions\n' +
    'citing docs/kernel-auxbus.md, and the initial context. createMachine(config) from xstate has\n' +
    'the same states and transitions; the guards\' and actions\' code is auxbus-model\'s\n' +
    '(supply it with .provide() to run it). Action params computed from the event are left out.\n' +
    'The world is not a statechart but a function over these machines: it has no config.',
  options: [
    { name: 'machine', type: 'string', values: [...MACHINE_NAMES, 'world'], description: 'which machine (required)' },
    { name: 'format', type: 'string', values: ['json'], default: 'json', description: 'output format' },
  ],
  notes: 'example:\n  auxbus export --machine device > device.json   # then createMachine(JSON.parse(...)) or paste into stately.ai',
  async run(argv, io: Io) {
    const args = parseOrHelp(exportCommand, argv, io);
    if (!args) return EXIT.ok;
    const machine = args.flags.machine as string | undefined;
    if (!machine) throw new UsageError(`--machine is required (one of ${MACHINE_NAMES.join(', ')})`, 'auxbus export --help');
    print(io, JSON.stringify(machineConfig(machine), null, 2));
    return EXIT.ok;
  },
};
