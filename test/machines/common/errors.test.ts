import { describe, expect, it } from 'vitest';
import { describeValue, ParameterError } from '../../../machines/index.js';

describe('describeValue and ParameterError: any received value in words, bounded, never throwing', () => {
  it('quotes a long string only up to 200 characters, then gives its length', () => {
    const text = describeValue('a'.repeat(1000));
    expect(text).toBe(`"${'a'.repeat(200)}"… (1000 characters)`);
    expect(describeValue('a'.repeat(200))).toBe(`"${'a'.repeat(200)}"`);
  });

  it('names a Symbol, a revoked proxy, a function and an object without running their code', () => {
    const p = Proxy.revocable({}, {});
    p.revoke();
    let ran = false;
    const sneaky = { toString() { ran = true; return 'x'; } };
    expect([Symbol('s'), p.proxy, () => 0, sneaky, [1, 2]].map(describeValue)).toEqual(['a symbol', 'a revoked proxy', 'a function', 'an object', 'an array of 2']);
    expect(ran).toBe(false);
  });

  it('builds a ParameterError whose parameter or value is a Symbol (a template literal would throw a TypeError)', () => {
    const e = new ParameterError(Symbol('p') as never, Symbol('v'), 'a name');
    expect(e.message).toBe('a symbol: got a symbol, expected a name');
  });
});
