import { describe, expect, it } from 'vitest';
import type { Expr, Instr, LoweredFunction } from '../../../src/check/ir.js';
import { branchless, settleable, SETTLE_BLOCKERS } from '../../../src/check/path/settled.js';

/**
 * Which functions may leave devices settled on the bus out of their merge keys, and whose
 * settled devices' unbind may be judged where a path is cut (src/check/path/settled.ts): read
 * statically, with what they call or name.
 */

const call = (callee: string, args: Expr[] = []): Expr => ({ k: 'call', callee, args, line: 1, column: 1, text: `${callee}()` });
const fn = (name: string, code: Instr[]): [string, LoweredFunction] =>
  [name, { name, params: ['p'], paramTypes: ['struct x *'], code, startLine: 1, endLine: 2, refused: null }];
const ev = (e: Expr): Instr => ({ op: 'eval', e, line: 1 });
const id = (name: string): Expr => ({ k: 'id', name });

describe('settleable: a root whose code cannot reach a settled device again', () => {
  it('§4 ida_destroy() frees every id of its IDA, a settled device\'s too: a root that calls it, or calls or names a function that does, settles nothing', () => {
    expect(SETTLE_BLOCKERS.has('ida_destroy')).toBe(true);
    const functions = new Map([
      fn('probe', [ev(call('walk')), ev(call('ida_alloc'))]),
      fn('walk', [ev(call('auxiliary_device_add', [id('p')]))]),
      fn('teardown', [ev(call('helper'))]),
      fn('helper', [ev(call('ida_destroy', [id('p')]))]),
      fn('registers', [ev(call('devm_add_action_or_reset', [id('p'), id('helper'), id('p')]))]),
      fn('hidden', [{ op: 'opaque', text: 'FOO(ida_destroy(&ida))', line: 1 }]),
    ]);
    expect(settleable(functions, 'probe')).toBe(true);
    expect(settleable(functions, 'teardown')).toBe(false);
    // An action it registers runs at the unbind: named is as good as called.
    expect(settleable(functions, 'registers')).toBe(false);
    expect(settleable(functions, 'hidden')).toBe(false);
  });
});

describe('branchless: a settled device\'s unbind that runs one way only', () => {
  it('delete, uninit and a release that frees its id and itself are; a test, a loop, an unreadable statement, a call through a pointer or an allocation are not', () => {
    const functions = new Map([
      fn('remove', [ev(call('auxiliary_device_delete', [id('p')])), ev(call('auxiliary_device_uninit', [id('p')]))]),
      fn('release', [ev(call('ida_free', [id('ida'), id('p')])), ev(call('kfree', [id('p')])), ev(call('helper'))]),
      fn('helper', [ev(call('xa_erase', [id('p')]))]),
      fn('tests', [{ op: 'br', c: id('p'), t: 1, f: 2, loop: false, line: 1 }, ev(call('kfree', [id('p')]))]),
      fn('opaque', [{ op: 'opaque', text: 'list_for_each_entry(x, &l, node) kfree(x);', line: 1 }]),
      fn('indirect', [ev({ k: 'call', callee: null, args: [], line: 1, column: 1, text: 'p->ops->release()' })]),
      fn('allocates', [ev(call('kzalloc'))]),
      fn('calls_tests', [ev(call('tests'))]),
    ]);
    expect(branchless(functions, ['remove', 'release'])).toBe(true);
    for (const name of ['tests', 'opaque', 'indirect', 'allocates', 'calls_tests']) expect(branchless(functions, ['remove', name])).toBe(false);
  });
});
