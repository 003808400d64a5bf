import { wrap } from '../text.js';
import { VIOLATION_CODES, VIOLATIONS, violationInfo, type ViolationInfo } from '../../machines/index.js';
import { UnknownCodeError, UsageError } from '../errors.js';
import { EXIT, type Command } from './command.js';
import { parseOrHelp } from './help.js';
import { colors, print, type Colors, type Io } from './output.js';

/**
 * `auxbus explain CODE`: everything the violation table says about a code — what the misuse
 * is, what a real kernel shows, which spec sections back it, and the fix. `--list` lists every
 * code; a bug class (`B4`) lists the codes of that class.
 */

/** Wraps text to `width` columns, continuing lines with `indent`. */
function wrapText(text: string, width: number, indent: string): string {
  return wrap(text, width).join(`\n${indent}`);
}

/** One code, explained for a person. */
export function explainText(info: ViolationInfo, c: Colors): string {
  const label = (s: string) => c.dim(s.padEnd(10));
  const field = (name: string, text: string) => `  ${label(name)}${wrapText(text, 68, ' '.repeat(12))}`;
  return [
    `${c.bold(info.code)}  ${c.red(info.bugClass)}  ${c.dim(info.machine === 'checker' ? '(judged by auxbus check, no machine)' : `(${info.machine} machine)`)}`,
    '',
    field('When', info.when),
    field('Kernel', info.kernelSymptom),
    field('Detected', info.detection.join(', then ')),
    field('Fix', info.fix),
    field('Source', `kernel-auxbus.md ${info.section}`),
  ].join('\n');
}

function listText(infos: readonly ViolationInfo[], c: Colors): string {
  const width = Math.max(...infos.map((i) => i.code.length)) + 2;
  const rows = infos.map((i) => `${c.bold(i.code.padEnd(width))}${c.red(i.bugClass.padEnd(7))}${i.machine.padEnd(9)}${i.when}`);
  return [c.dim(`${'code'.padEnd(width)}${'class'.padEnd(7)}${'machine'.padEnd(9)}when`), ...rows].join('\n');
}

/** The `explain` command. */
export const explain: Command = {
  name: 'explain',
  summary: 'what a violation code means: the kernel symptom, the spec section, the fix',
  usage: 'auxbus explain CODE [--json]\n       auxbus explain --list [--json]\n       auxbus explain Bn [--json]',
  description:
    'Explains a violation code from the model\'s violation table: the misuse, what a real kernel\n' +
    'shows (WARN text, KASAN or kmemleak report, oops), the kernel-auxbus.md sections behind it,\n' +
    'and how to fix the driver. A bug class such as B4 lists the codes of that class.',
  options: [
    { name: 'list', type: 'boolean', description: 'list every code with its class, machine and meaning' },
    { name: 'json', type: 'boolean', description: 'print the table entry (or entries) as JSON' },
  ],
  positionals: 1,
  notes: 'examples:\n  auxbus explain double-delete\n  auxbus explain B4 --json\n  auxbus explain --list',
  async run(argv, io) {
    const args = parseOrHelp(explain, argv, io);
    if (!args) return EXIT.ok;
    const c = colors(io.stdout, io.env);
    const json = Boolean(args.flags.json);
    const [code] = args.positionals;
    if (args.flags.list) {
      if (code !== undefined) throw new UsageError('give either a CODE or --list, not both', 'auxbus explain --help');
      const all = VIOLATION_CODES.map((k) => VIOLATIONS[k]);
      print(io, json ? JSON.stringify(all, null, 2) : listText(all, c));
      return EXIT.ok;
    }
    if (code === undefined) throw new UsageError(`explain needs a CODE or --list; codes: ${VIOLATION_CODES.join(', ')}`, 'auxbus explain --help');
    const info = violationInfo(code);
    if (info) {
      print(io, json ? JSON.stringify(info, null, 2) : explainText(info, c));
      return EXIT.ok;
    }
    const ofClass = VIOLATION_CODES.map((k) => VIOLATIONS[k]).filter((i) => i.bugClass === code.toUpperCase());
    if (ofClass.length) {
      print(io, json ? JSON.stringify(ofClass, null, 2) : ofClass.map((i) => explainText(i, c)).join('\n\n'));
      return EXIT.ok;
    }
    throw new UnknownCodeError(code, VIOLATION_CODES);
  },
};
