import { describe, expect, it } from 'vitest';
import { Oracle } from '../../src/check/oracle.js';

/** The choice enumeration behind path exploration: every combination once, depth first. */
describe('Oracle', () => {
  it('enumerates every combination of the choices a run makes, once each, in depth-first order', () => {
    const seen: string[] = [];
    let prefix: number[] | null = [];
    while (prefix !== null) {
      const o: Oracle = new Oracle(prefix);
      const a = o.pick(2);
      // The second choice exists only on one branch, as a fallible call on one side of an if.
      const b = a === 0 ? o.pick(3) : -1;
      seen.push(`${a}${b}`);
      prefix = o.next();
    }
    expect(seen).toEqual(['00', '01', '02', '1-1']);
  });

  it('a run that makes no choice is the only path', () => {
    const o = new Oracle([]);
    expect(o.depth).toBe(0);
    expect(o.next()).toBeNull();
  });
});
