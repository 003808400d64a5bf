import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VIOLATIONS, type ViolationCode } from '../../machines/index.js';
import { MACHINE_NAMES } from '../catalog.js';
import { readChart } from '../diagrams/chart.js';
import { toDot } from '../diagrams/dot.js';
import { wrap } from '../text.js';
import { writeDiagrams } from '../diagrams/generate.js';
import { renderSvg } from '../diagrams/svg.js';
import { replay } from '../diagrams/trace.js';
import { exportPaths, type PathExport } from '../export/paths.js';
import { packageInfo } from '../package-info.js';
import { colors, print, progress, type Io } from './output.js';
import { checkSummary } from './start-check.js';
import { exampleSummary } from './start-examples.js';
import { worldSummary } from './start-world.js';

/**
 * `npm start`: what the package does, in one command after `npm ci`. First its main job: every
 * bundled example (examples/) explored on every failure path, one line each; a composed world;
 * the bundled C corpus checked by `auxbus check`. Then, for each
 * machine: its size, the paths generated from it and what they reach (every transition, every violation code
 * the machine can raise); then the diagrams, written to a fresh temporary folder, with one
 * bug's route traced on the device statechart.
 */

/** The bug whose route `npm start` draws: the first generated device path that raises it. */
const SHOWCASE: ViolationCode = 'double-delete';

/** Runs the summary; returns the exit code. */
export async function start(io: Io): Promise<number> {
  const c = colors(io.stdout, io.env);
  const p = progress(io);
  const { version } = packageInfo();
  print(io, `${c.bold(`auxbus-model ${version}`)}: the Linux auxiliary-bus lifecycle as executable state machines\n`);
  p.update('exploring the bundled examples on every failure path...');
  const examples = exampleSummary(c);
  p.done();
  print(io, `${examples.text}\n\n`);
  p.update('exploring a composed world for the documented routine and each misuse...');
  const world = worldSummary(c);
  p.done();
  print(io, `${world.text}\n\n`);
  p.update('checking the bundled C corpus...');
  const checked = await checkSummary(c);
  p.done();
  print(io, `${checked.text}\n\n`);
  print(io, c.bold('the model: each machine, and the transition-covering test paths generated from it (xstate/graph)'));
  const header = ['machine', 'states', 'transitions', 'paths', 'transitions taken', 'violation codes reached'];
  const rows: string[][] = [];
  const reached: string[] = [];
  let device: PathExport | undefined;
  for (const name of MACHINE_NAMES) {
    p.update(`generating transition-covering paths of the ${name} machine...`);
    const chart = readChart(name);
    const x = exportPaths({ machine: name, strategy: 'transitions' });
    if (name === 'device') device = x;
    const codes = chart.violationCodes.filter((code) => x.summary.violations[code]);
    const t = x.summary.transitions;
    rows.push([name, String(chart.states.length), String(chart.transitions.length), String(x.summary.paths), `${t.covered}/${t.total}`, `${codes.length}/${chart.violationCodes.length}`]);
    const list = codes.map((code) => `${code} (${VIOLATIONS[code].bugClass})`).join(', ') || '(none)';
    reached.push(`  ${c.bold(name.padEnd(8))}${wrap(list, 88).join(`\n${' '.repeat(10)}`)}`);
  }
  p.done();
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  print(io, [c.dim(line(header)), ...rows.map(line)].join('\n'));
  print(io, `\nviolation codes reached by a generated path (model-based tests, xstate/graph):\n${reached.join('\n')}\n`);

  p.update('drawing the diagrams...');
  const dir = await mkdtemp(join(tmpdir(), 'auxbus-'));
  const files = await writeDiagrams(dir);
  const route = device?.paths
    .filter((path) => path.violations.includes(SHOWCASE))
    .reduce<PathExport['paths'][number] | undefined>((best, path) => (!best || path.steps.length < best.steps.length ? path : best), undefined);
  if (route) {
    const steps = route.steps.map((s) => s.event);
    await writeFile(join(dir, `${SHOWCASE}.path.json`), `${JSON.stringify({ machine: 'device', input: device!.input, steps }, null, 2)}\n`);
    const trace = replay('device', steps, device!.input);
    await writeFile(join(dir, 'device.trace.svg'), await renderSvg(toDot(readChart('device'), { trace })));
    files.push(join(dir, `${SHOWCASE}.path.json`), join(dir, 'device.trace.svg'));
  }
  p.done();
  print(io, `diagrams written to ${c.bold(dir)}:`);
  const names = files.map((f) => f.slice(dir.length + 1));
  const groups = [...MACHINE_NAMES.map((m) => names.filter((n) => n.startsWith(`${m}.`))), names.filter((n) => !MACHINE_NAMES.some((m) => n.startsWith(`${m}.`)))];
  print(io, groups.filter((g) => g.length).map((g) => `  ${g.join('  ')}`).join('\n'));
  if (route) print(io, `  (device.trace.svg draws the route of ${SHOWCASE}: ${route.steps.map((s) => s.event.type).join(' → ')})`);
  print(
    io,
    [
      '',
      'next:',
      `${'  npx auxbus explore --example missing-uninit'.padEnd(55)}a problem's shortest path, step by step, and the fix`,
      `${'  npx auxbus explore build/my-driver.js'.padEnd(55)}your own routines (a compiled scenario module, see docs/runtime.md)`,
      `  npx auxbus explain ${SHOWCASE}                     what it means, what the kernel shows, the fix`,
      '  npx auxbus paths --machine device --format md       the generated test paths, step by step',
      `  npx auxbus diagram --trace ${join(dir, `${SHOWCASE}.path.json`)} --out .`,
      '  npx auxbus --help',
    ].join('\n'),
  );
  return 0;
}

start({ stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`npm start failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 3;
  },
);
