import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deviceMachine } from '../../machines/index.js';
import { MACHINE_NAMES } from '../../src/catalog.js';
import { readChart } from '../../src/diagrams/chart.js';
import { layoutChart } from '../../src/diagrams/edges.js';
import { checkDiagrams, generateDiagrams, mermaidMarkdown } from '../../src/diagrams/generate.js';
import { allStateNodes, allTransitions, transitionId } from '../../src/paths/index.js';
import { DIAGRAMS_MAIN } from '../cli/run.js';

const COMMITTED = fileURLToPath(new URL('../../diagrams', import.meta.url));

describe('diagrams/', () => {
  it('the committed diagrams are what the machines produce (run `npm run diagrams` after a machine change)', async () => {
    const result = await checkDiagrams(COMMITTED);
    expect(result.missing).toEqual([]);
    expect(result.stale).toEqual([]);
    expect(result.current.length).toBe(MACHINE_NAMES.length * 3 + 1);
  });

  it('the check names a modified file and a missing one (on a copy)', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'auxbus-diagrams-'));
    cpSync(COMMITTED, copy, { recursive: true });
    writeFileSync(join(copy, 'ida.dot'), '// edited by hand\n');
    rmSync(join(copy, 'driver.mmd'));
    const result = await checkDiagrams(copy);
    expect(result.stale).toEqual(['ida.dot']);
    expect(result.missing).toEqual(['driver.mmd']);
  });

  it('generation is deterministic: same machines, same bytes', async () => {
    const [a, b] = [await generateDiagrams(), await generateDiagrams()];
    expect(a.map((f) => f.path)).toEqual(b.map((f) => f.path));
    a.forEach((f, i) => expect(f.content, f.path).toBe(b[i]!.content));
  });

  it('every transition of every machine is drawn: as an edge, into a violation node, or inside its state', () => {
    for (const name of MACHINE_NAMES) {
      const chart = readChart(name);
      const layout = layoutChart(chart, { junctions: true });
      const drawn = new Set([
        ...layout.edges.flatMap((e) => e.lines.flatMap((l) => l.transitions)),
        ...layout.junctions.flatMap((j) => j.lines.flatMap((l) => l.transitions)),
        ...[...layout.internal.values()].flatMap((lines) => lines.flatMap((l) => l.transitions)),
      ]);
      expect(chart.transitions.map((t) => t.id).filter((id) => !drawn.has(id)), name).toEqual([]);
    }
    expect(readChart('device').transitions.map((t) => t.id)).toEqual(allTransitions(deviceMachine).map(transitionId));
  });

  it('the error returns of the device machine carry their errno name', () => {
    const errors = readChart('device').transitions.filter((t) => t.kind === 'error');
    expect(errors.length).toBeGreaterThan(0);
    for (const t of errors) expect(t.errno).toMatch(/^E[A-Z]+$/);
    expect(readChart('device').transitions.find((t) => t.guard === 'initNullParent')?.errno).toBe('EINVAL');
  });

  it('mermaidMarkdown gives a fenced block naming every atomic device state', () => {
    const md = mermaidMarkdown('device');
    expect(md.startsWith('```mermaid\n')).toBe(true);
    expect(md.trimEnd().endsWith('```')).toBe(true);
    for (const node of allStateNodes(deviceMachine).filter((n) => n.type === 'atomic')) expect(md).toContain(`"${node.key}"`);
  });

  it('npm run diagrams:check exits 1 and names the stale file', () => {
    const copy = mkdtempSync(join(tmpdir(), 'auxbus-diagrams-'));
    cpSync(COMMITTED, copy, { recursive: true });
    writeFileSync(join(copy, 'device.svg'), '<svg/>\n');
    const main = DIAGRAMS_MAIN;
    const r = spawnSync(process.execPath, [main, 'check', '--dir', copy], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('device.svg');
    expect(r.stderr).toContain('npm run diagrams');
    const clean = spawnSync(process.execPath, [main, 'check', '--dir', COMMITTED], { encoding: 'utf8' });
    expect(clean.status).toBe(0);
  });
});
