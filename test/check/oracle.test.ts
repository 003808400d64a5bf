import { describe, expect, it } from 'vitest';
import { Oracle } from '../../src/check/oracle.js';

/** The choice enumeration behind path exploration: every combination once, fewest deviations first. */
describe('Oracle', () => {
  /** Runs a little program of choices through the queue; returns each path's choices as text. */
  function explore(program: (o: Oracle) => string): string[] {
    const queue: number[][] = [[]];
    const seen: string[] = [];
    while (queue.length > 0) {
      const o = new Oracle(queue.shift()!);
      seen.push(program(o));
      queue.push(...o.children());
    }
    return seen;
  }

  it('runs every combination of the choices once, a choice that exists only on one branch included', () => {
    const seen = explore((o) => {
      const a = o.pick(2);
      // The second choice exists only on one side, as a fallible call inside an if.
      const b = a === 0 ? o.pick(3) : -1;
      return `${a}${b}`;
    });
    expect([...seen].sort()).toEqual(['00', '01', '02', '1-1']);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('runs the paths with fewer deviations from the expected outcomes first (single failures before pairs)', () => {
    const seen = explore((o) => [o.pick(2), o.pick(2), o.pick(2)].join(''));
    const deviations = seen.map((p) => [...p].filter((c) => c !== '0').length);
    expect(seen).toHaveLength(8);
    expect(deviations).toEqual([...deviations].sort((x, y) => x - y));
    expect(seen[0]).toBe('000');
  });

  it('a run that makes no choice is the only path; children are capped by the limit', () => {
    const o = new Oracle([]);
    expect(o.depth).toBe(0);
    expect(o.children()).toEqual([]);
    const p = new Oracle([]);
    p.pick(3);
    p.pick(2);
    expect(p.children()).toEqual([[1], [2], [0, 1]]);
    expect(p.children(2)).toEqual([[1], [2]]);
  });
});
