import { writeFile } from 'node:fs/promises';
import { makeDirectory } from '../directory.js';
import { join } from 'node:path';
import { MACHINE_NAMES, type MachineName } from '../catalog.js';
import { readChart } from '../diagrams/chart.js';
import { toDot } from '../diagrams/dot.js';
import { toMermaid } from '../diagrams/mermaid.js';
import { renderSvg } from '../diagrams/svg.js';
import { MAX_TRACE_STEPS, readPathInput, replay, type Trace } from '../diagrams/trace.js';
import { readRegularFile } from '../regular-file.js';
import { FileError, PathInputError, UsageError } from '../errors.js';
import { EXIT, type Command } from './command.js';
import { parseOrHelp } from './help.js';
import { print, progress, type Io } from './output.js';

/**
 * `auxbus diagram`: a machine's statechart as SVG, DOT or Mermaid, on stdout or into a folder,
 * optionally with a path traced on it (numbered steps, in the path's order).
 */

type Format = 'svg' | 'dot' | 'mermaid';
const EXT: Record<Format, string> = { svg: 'svg', dot: 'dot', mermaid: 'mmd' };

/** The largest trace file read: 32 MiB, far above any path of {@link MAX_TRACE_STEPS} steps. */
export const MAX_TRACE_FILE_BYTES = 32 * 1024 * 1024;

async function readTrace(file: string, machineFlag: string | undefined, pathNumber: number | undefined): Promise<Trace> {
  const read = await readRegularFile(file, MAX_TRACE_FILE_BYTES);
  if (read.kind === 'refused') throw new FileError(file, 'read', read.detail);
  let json: unknown;
  try {
    json = JSON.parse(read.bytes.toString('utf8'));
  } catch (e) {
    // V8's message quotes the file's text; say where it broke instead, without echoing content.
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    throw new PathInputError(`${file} is not JSON${at ? ` (the error is at character ${at})` : ''}`, 'a path exported by auxbus paths, or a JSON array of events');
  }
  const input = readPathInput(json, pathNumber);
  const machine = (machineFlag ?? input.machine ?? 'device') as MachineName;
  if (input.machine && input.machine !== machine) {
    throw new UsageError(`${file} holds a path of the ${input.machine} machine, not of the ${machine} machine`, 'auxbus diagram --help');
  }
  return replay(machine, input.events, input.input);
}

async function render(machine: MachineName, format: Format, trace?: Trace): Promise<string> {
  const chart = readChart(machine);
  if (format === 'mermaid') return toMermaid(chart);
  const dot = trace ? toDot(chart, { trace }) : toDot(chart);
  return format === 'dot' ? dot : renderSvg(dot);
}

/** The `diagram` command. */
export const diagram: Command = {
  name: 'diagram',
  summary: 'draw a machine\'s statechart (SVG, DOT or Mermaid), optionally with a path traced on it',
  usage: 'auxbus diagram [--machine device|ida|driver|memory|all] [--format svg|dot|mermaid] [--out DIR] [--trace FILE [--path N]]',
  description:
    'Draws a machine\'s statechart from its definition: nested states as clusters, edges labelled\n' +
    'EVENT [guard] / action, error returns orange and dashed, violations red with their code and\n' +
    'bug class, and a legend of the kernel call behind each event. Without --out it prints to\n' +
    'stdout; with --out it writes DIR/MACHINE.svg (or .dot, .mmd).\n\n' +
    'With --trace, the path in FILE is replayed on the machine and drawn over the greyed chart,\n' +
    'each step numbered in order, so you can follow a bug\'s route through the lifecycle. FILE is\n' +
    'an `auxbus paths` export (choose a path with --path N), one path { "steps": [...] }, an\n' +
    'xstate/graph path object, or a JSON array of events such as\n' +
    '  [{"type":"INIT","parent":true,"name":true}, {"type":"KFREE"}]\n\n' +
    `Limits: FILE must be a regular file of at most 32 MiB, and the path at most ${MAX_TRACE_STEPS}\n` +
    'steps (docs/limits.md).',
  options: [
    { name: 'machine', type: 'string', values: [...MACHINE_NAMES, 'all'], description: 'which machine (all: every machine, with --out)' },
    { name: 'format', type: 'string', values: ['svg', 'dot', 'mermaid'], default: 'svg', description: 'output format' },
    { name: 'out', type: 'string', valueName: 'DIR', description: 'write into DIR instead of printing' },
    { name: 'trace', type: 'string', valueName: 'FILE', description: 'overlay the path in FILE (JSON); svg or dot only' },
    { name: 'path', type: 'string', valueName: 'N', integer: { min: 1, max: 1_000_000 }, description: 'which path of a multi-path FILE to trace (1-based)' },
  ],
  notes:
    'examples:\n' +
    '  auxbus diagram > device.svg\n' +
    '  auxbus diagram --machine ida --format mermaid\n' +
    '  auxbus paths --machine device --strategy shortest > paths.json\n' +
    '  auxbus diagram --trace paths.json --path 7 --out trace',
  async run(argv, io: Io) {
    const args = parseOrHelp(diagram, argv, io);
    if (!args) return EXIT.ok;
    const format = args.flags.format as Format;
    const machineFlag = args.flags.machine as string | undefined;
    const out = args.flags.out as string | undefined;
    const traceFile = args.flags.trace as string | undefined;
    const hint = 'auxbus diagram --help';
    if (args.flags.path !== undefined && !traceFile) throw new UsageError('--path needs --trace FILE', hint);
    if (machineFlag === 'all' && !out) throw new UsageError('--machine all needs --out DIR (several files cannot go to stdout)', hint);
    if (traceFile && format === 'mermaid') throw new UsageError('the trace overlay is drawn in svg or dot, not mermaid', hint);
    if (traceFile && machineFlag === 'all') throw new UsageError('--trace draws one machine; name it with --machine or leave it out', hint);
    const p = progress(io);
    const trace = traceFile ? await readTrace(traceFile, machineFlag, args.flags.path as number | undefined) : undefined;
    const machines: MachineName[] = machineFlag === 'all' ? [...MACHINE_NAMES] : [(trace?.machine ?? machineFlag ?? 'device') as MachineName];
    const written: string[] = [];
    for (const m of machines) {
      p.update(`drawing the ${m} machine (${format})...`);
      const text = await render(m, format, trace);
      if (!out) {
        p.done();
        io.stdout.write(text);
        continue;
      }
      const file = join(out, `${m}${trace ? '.trace' : ''}.${EXT[format]}`);
      try {
        await makeDirectory(out);
        await writeFile(file, text);
      } catch (e) {
        throw new FileError(file, 'write', (e as NodeJS.ErrnoException).code ?? (e as Error).message);
      }
      written.push(file);
    }
    p.done();
    for (const f of written) print(io, `wrote ${f}`);
    return EXIT.ok;
  },
};
