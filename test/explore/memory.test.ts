import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_MEMORY, MemoryGauge, MIN_MAX_MEMORY, ParameterError, requireMaxMemory } from '../../src/index.js';

/** The explorers' memory bound (src/explore/memory.ts): the gauge and the bound's checking. */

describe('MemoryGauge', () => {
  it('measures the resident set above its level at the start, never below 0, and keeps the highest seen', () => {
    const readings = [100, 150, 400, 80, 300];
    let i = 0;
    const gauge = new MemoryGauge(() => readings[i++]!);
    expect(gauge.baseline).toBe(100);
    expect([gauge.sample(), gauge.sample(), gauge.sample(), gauge.sample()]).toEqual([50, 300, 0, 200]);
    expect(gauge.peak).toBe(400);
  });

  it('a reader that is not a function, or returns no number of bytes, is a ParameterError', () => {
    expect(() => new MemoryGauge(3 as never)).toThrow(ParameterError);
    expect(() => new MemoryGauge(() => NaN)).toThrow(/read\(\)/);
    let v = 10;
    const g = new MemoryGauge(() => v);
    v = -1;
    expect(() => g.sample()).toThrow(/read\(\)/);
  });

  it('by default it reads the process: the baseline is the resident set, a positive number', () => {
    const g = new MemoryGauge();
    expect(g.baseline).toBeGreaterThan(0);
    expect(g.sample()).toBeGreaterThanOrEqual(0);
  });
});

describe('requireMaxMemory', () => {
  it('is the default 4 GiB when undefined, the value when it is an integer of at least 16 MiB', () => {
    expect(requireMaxMemory('maxMemory', undefined)).toBe(4 * 2 ** 30);
    expect(DEFAULT_MAX_MEMORY).toBe(4 * 2 ** 30);
    expect(requireMaxMemory('maxMemory', MIN_MAX_MEMORY)).toBe(16 * 2 ** 20);
  });

  it('anything else is a ParameterError naming the parameter', () => {
    for (const bad of [MIN_MAX_MEMORY - 1, 1.5 * 2 ** 30 + 0.5, '4G', -1, Infinity]) {
      expect(() => requireMaxMemory('options.maxMemory', bad)).toThrow(/options\.maxMemory/);
    }
  });
});
