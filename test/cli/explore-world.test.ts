import { describe, expect, it } from 'vitest';
import { createWorld, type WorldEvent } from '../../machines/index.js';
import { STACK_LINE, auxbus } from './run.js';

/**
 * `auxbus explore --world` through the real binary: exhaustive exploration of a composed world,
 * exit 0 when no violation is reachable, 1 with each violation and its shortest path, 2 for bad
 * input; JSON with test paths.
 */

describe('auxbus explore --world', () => {
  it('§2.2: the documented routine over three devices, two drivers and every fault: no violation reachable, exit 0', () => {
    const r = auxbus(['explore', '--world', '--devices', '3', '--faults', '--drivers', 'ok,fails', '--code', 'routine']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('code: the documented routine');
    expect(r.stdout).toContain('no violation reachable; the scenario can end clean');
  });

  it('B4: the routine that kfrees after uninit: double-free with its shortest path through a failing add, exit 1', () => {
    const r = auxbus(['explore', '--world', '--devices', '2', '--faults', '--code', 'kfree-after-uninit']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('violation double-free (B4) reached in 6 steps:');
    const steps = r.stdout.split('\n').filter((l) => /^\s+\d+\. /.test(l));
    expect(steps[3]).toMatch(/auxiliary_device_add\(\) with (dev_set_name|device_add)\(\) failing \(-ENOMEM\)/);
    expect(steps[4]).toMatch(/auxiliary_device_uninit\(\)$/);
    expect(steps[5]).toMatch(/kfree\(container\)\s+<- here$/);
    expect(r.stdout).toContain('fix: After auxiliary_device_uninit() the release callback owns the container');
  });

  it('model.md §4.6 --deferred-release: the routine stays clean under every timing of release; an empty release plus kfree reaches free-outside-release (B18)', () => {
    const clean = auxbus(['explore', '--world', '--devices', '2', '--faults', '--code', 'routine', '--deferred-release']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('release deferred (any timing)');
    expect(clean.stdout).toContain('no violation reachable');
    const bad = auxbus(['explore', '--world', '--devices', '1', '--code', 'kfree-after-empty-release', '--deferred-release', '--json']);
    expect(bad.code).toBe(1);
    const out = JSON.parse(bad.stdout) as { params: { deferredRelease: boolean }; violations: Array<{ code: string; path: WorldEvent[] }> };
    expect(out.params.deferredRelease).toBe(true);
    expect(out.violations.map((v) => v.code)).toEqual(['free-outside-release']);
    // A shortest path ends in the kfree and the delayed cleanup, in one order; the other order
    // reaches the same code (at the cleanup when the kfree came first): the timing does not matter.
    const path = out.violations[0]!.path;
    expect(path.slice(-2).map((e) => e.type).sort()).toEqual(['KFREE', 'RELEASE']);
    const world = createWorld({ devices: 1, deferredRelease: true, release: { freesContainer: false } });
    for (const order of [path, [...path.slice(0, -2), path[path.length - 1]!, path[path.length - 2]!]]) {
      let s = world.getInitialSnapshot(undefined as never, undefined);
      const found: string[] = [];
      for (const e of order) {
        s = world.transition(s, e, undefined as never);
        found.push(...s.findings.map((f) => f.code));
      }
      expect(found).toEqual(['free-outside-release']);
    }
  });

  it('--json: every violation of any call on one device, with paths that replay on the XState world; --paths adds coverage', () => {
    const r = auxbus(['explore', '--world', '--devices', '1', '--json', '--paths']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { states: number; complete: boolean; violations: Array<{ code: string; path: WorldEvent[] }>; paths: Array<{ events: WorldEvent[]; covers: string[] }>; coverage: Array<{ machine: string; taken: number; total: number }> };
    expect(out.complete).toBe(true);
    // The XState world's count (test/explore/world/explore.test.ts checks the two agree): 120 since
    // a put after B6 drops one of the bus's references (§3.9), which gives the states between.
    expect(out.states).toBe(120);
    const world = createWorld({ devices: 1 });
    for (const v of out.violations) {
      let s = world.getInitialSnapshot(undefined as never, undefined);
      for (const e of v.path) s = world.transition(s, e, undefined as never);
      expect(s.findings.map((f) => f.code)).toContain(v.code);
    }
    expect(out.violations.map((v) => v.code)).toContain('double-delete');
    expect(out.paths.length).toBeGreaterThan(0);
    expect(out.coverage.map((c) => c.machine)).toEqual(['device', 'ida', 'driver']);
  });

  it('bad input exits 2 with the reason and no stack trace', () => {
    for (const args of [['--devices', '9'], ['--drivers', 'ok,maybe'], ['--code', 'nonsense'], ['--release', 'sometimes'], ['--ids', '0']]) {
      const r = auxbus(['explore', '--world', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/auxbus explore: error: /);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('--max-memory: the 6-device world of issue 16 stops under a 64M bound with what it explored, exit 4 when nothing was found', () => {
    const r = auxbus(['explore', '--world', '--devices', '6', '--ids', '16', '--faults', '--drivers', 'ok,fails,ok', '--code', 'routine', '--max-memory', '64M', '--json']);
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout) as { complete: boolean; stoppedBy: string; states: number; expanded: number; largestQueue: number; maxMemory: number; store: string; violations: unknown[] };
    expect(out).toMatchObject({ complete: false, stoppedBy: 'max-memory', maxMemory: 64 * 2 ** 20, violations: [] });
    expect(out.expanded).toBeGreaterThan(0);
    expect(out.expanded).toBeLessThan(out.states);
    expect(out.largestQueue).toBeGreaterThan(0);
    expect(out.largestQueue).toBeLessThan(out.states);
    const text = auxbus(['explore', '--world', '--devices', '6', '--ids', '16', '--faults', '--drivers', 'ok,fails,ok', '--code', 'routine', '--max-memory', '64M']);
    expect(text.code).toBe(4);
    expect(text.stdout).toMatch(/INCOMPLETE: stopped at the memory bound \(64 MiB; peak resident set \d+ MiB\): \d+ states found, \d+ expanded, the largest queue \d+ states/);
  });

  it('--store compact: hash compaction gives the same states, violations and paths as the exact store, and prints the probability of a missed state', () => {
    const args = ['explore', '--world', '--devices', '2', '--faults', '--drivers', 'ok', '--json'];
    const exact = JSON.parse(auxbus(args).stdout) as { states: number; transitions: number; violations: unknown[]; store: string; missProbability: number };
    const compact = JSON.parse(auxbus([...args, '--store', 'compact']).stdout) as typeof exact & { compactedAt: number };
    expect(exact.store).toBe('exact');
    expect(exact.missProbability).toBe(0);
    expect(compact).toMatchObject({ store: 'compact', compactedAt: 0, states: exact.states, transitions: exact.transitions, violations: exact.violations });
    expect(compact.missProbability).toBeCloseTo(exact.states ** 2 / 2 ** 65, 20);
    const text = auxbus(['explore', '--world', '--devices', '2', '--store', 'compact']).stdout;
    expect(text).toMatch(/visited set: hash compaction \(64-bit fingerprints\) from the start; probability that a state was missed: \d\.\de-\d+/);
    expect(auxbus(['explore', '--world', '--store', 'bitstate']).code).toBe(2);
  });
});
