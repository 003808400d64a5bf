import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnsupportedPromelaError, worldPromela } from '../../src/promela/index.js';
import { ANY_CALL, routineCode, type WorldCode } from '../../src/explore/world/index.js';
import { auxbus } from '../cli/run.js';

describe('auxbus promela', () => {
  it('--help names the options and how to run Spin', () => {
    const r = auxbus(['promela', '--help']);
    expect(r.code).toBe(0);
    for (const o of ['--devices', '--ids', '--drivers', '--faults', '--code', '-o']) expect(r.stdout).toContain(o);
    expect(r.stdout).toContain('-DNOREDUCE');
  });

  it('writes the same model to stdout and to -o FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auxbus-promela-'));
    try {
      const file = join(dir, 'world.pml');
      const a = auxbus(['promela', '--devices', '2', '--ids', '1', '--faults']);
      const b = auxbus(['promela', '--devices', '2', '--ids', '1', '--faults', '-o', file]);
      expect([a.code, b.code]).toEqual([0, 0]);
      expect(b.stdout).toBe('');
      expect(readFileSync(file, 'utf8')).toBe(`${a.stdout.trimEnd()}\n`);
      expect(a.stdout).toContain('active proctype world()');
      expect(a.stdout).toContain('assert(!violation_double_free)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--drivers: the aux drivers\' machines, their registration order and each device\'s bound driver are state', () => {
    const r = auxbus(['promela', '--devices', '2', '--drivers', 'ok,fails', '--faults']);
    expect(r.code).toBe(0);
    const model = worldPromela({ devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }, { probe: 'fails' }], faults: true });
    expect(r.stdout.trimEnd()).toBe(model.text.trimEnd());
    expect(model.text).toMatch(/^byte drv\[2\]/m);
    expect(model.text).toMatch(/^short bnd\[2\] = -1;/m);
    // Each driver's register (with its two faults: never offered once registered) and unregister.
    expect(model.events.filter((e) => e.type === 'DRV_REGISTER' || e.type === 'DRV_UNREGISTER')).toHaveLength(8);
    const bad = auxbus(['promela', '--drivers', 'ok,maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'ok' or 'fails'");
  });

  it('refuses what it cannot generate exactly, naming it', () => {
    // Code whose state moves at END: the generated END keeps the code where it is.
    const moving: WorldCode = { ...ANY_CALL, name: 'moves at END', slotBits: 1, slotCalls: (_c, calls) => calls, after: (code, e) => (e.type === 'END' ? { slots: code.slots.map(() => 1), drivers: code.drivers } : code) };
    expect(() => worldPromela({ devices: 1, idaRange: { min: 0, max: 0 } }, moving)).toThrow(UnsupportedPromelaError);
    expect(() => worldPromela({ devices: 2, idaRange: { min: 0, max: 1 }, release: { calls: 'auxiliary_device_add' } })).toThrow(/release\.calls/);
  });

  it('--multicore: the model for Spin\'s multicore verifier, with no hidden variable', () => {
    const r = auxbus(['promela', '--devices', '2', '--faults', '--multicore']);
    expect(r.code).toBe(0);
    const model = worldPromela({ devices: 2, idaRange: { min: 0, max: 1 }, faults: true }, undefined, { multicore: true });
    expect(r.stdout.trimEnd()).toBe(model.text.trimEnd());
    expect(model.text).not.toMatch(/^hidden /m);
    expect(worldPromela({ devices: 2, idaRange: { min: 0, max: 1 }, faults: true }).text).toMatch(/^hidden /m);
    expect(() => worldPromela({}, undefined, { multicore: 'yes' as never })).toThrow(/multicore/);
  });

  it('--deferred-release: the kernel\'s delayed cleanup is a call of its own (RELEASE), and no put runs the release itself', () => {
    const r = auxbus(['promela', '--devices', '1', '--deferred-release']);
    expect(r.code).toBe(0);
    const model = worldPromela({ devices: 1, idaRange: { min: 0, max: 0 }, deferredRelease: true });
    expect(r.stdout.trimEnd()).toBe(model.text.trimEnd());
    expect(model.events.filter((e) => e.type === 'RELEASE')).toEqual([{ type: 'RELEASE', dev: 0 }]);
    expect(worldPromela({ devices: 1, idaRange: { min: 0, max: 0 } }).events.some((e) => e.type === 'RELEASE')).toBe(false);
  });

  it('--code routine writes the routine as each slot\'s code (its states in code[])', () => {
    const r = auxbus(['promela', '--devices', '2', '--code', 'routine']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('byte code[2]');
    expect(worldPromela({ devices: 2, idaRange: { min: 0, max: 1 } }, routineCode('none')).text).toBe(`${r.stdout.trimEnd()}\n`);
  });
});
