import { describe, expect, it } from 'vitest';
import type { Expr, Instr, LoweredFunction } from '../../../src/check/ir.js';
import { aloofFunctions, membersStored, pureFunctions } from '../../../src/check/path/pure.js';

/** Which same-file helpers may run as summaries (src/check/path/pure.ts): read statically, with what they call. */

describe('pureFunctions: which helpers may run as summaries', () => {
  const call = (callee: string, args: Expr[] = []): Expr => ({ k: 'call', callee, args, line: 1, column: 1, text: `${callee}()` });
  const fn = (name: string, code: Instr[], refused: string | null = null): [string, LoweredFunction] =>
    [name, { name, params: ['p'], paramTypes: ['struct x *'], code, startLine: 1, endLine: 2, refused }];
  const ev = (e: Expr): Instr => ({ op: 'eval', e, line: 1 });
  const store: Expr = { k: 'assign', op: '=', l: { k: 'field', base: { k: 'id', name: 'p' }, field: 'skip', arrow: true }, r: { k: 'num', value: 1 } };

  it('one that reads, branches, stores and calls other files is; one that calls what the model follows is not', () => {
    const pure = pureFunctions(new Map([
      fn('reads', [{ op: 'br', c: { k: 'field', base: { k: 'id', name: 'p' }, field: 'a', arrow: true }, t: 1, f: 2, loop: false, line: 1 }, ev(store), ev(call('usb_control_msg'))]),
      fn('frees', [ev(call('kfree', [{ k: 'id', name: 'p' }]))]),
      fn('inits', [ev(call('auxiliary_device_init', [{ k: 'id', name: 'p' }]))]),
      fn('ids', [ev(call('ida_alloc'))]),
      fn('finds', [ev(call('container_of'))]),
      fn('hands', [ev(call('no_free_ptr', [{ k: 'id', name: 'p' }]))]),
    ]));
    expect([...pure].sort()).toEqual(['reads']);
  });

  it('one that calls (or names) a helper that is not, is not; recursion and a refused function are not; __free is not', () => {
    const pure = pureFunctions(new Map([
      fn('leaf', [ev(call('kfree'))]),
      fn('caller', [ev(call('leaf'))]),
      fn('names', [ev(call('for_each_child', [{ k: 'id', name: 'leaf' }]))]),
      fn('self', [ev(call('self'))]),
      fn('refused', [], 'a goto to a missing label'),
      fn('cleanup', [{ op: 'decl', name: 'buf', init: null, cleanup: 'kfree', line: 1 }]),
      fn('fine', [ev(call('fine2'))]),
      fn('fine2', [ev(store)]),
    ]));
    expect([...pure].sort()).toEqual(['fine', 'fine2']);
  });
});

describe('aloofFunctions: which helpers may run as functions of another file (issue 14)', () => {
  const call = (callee: string, args: Expr[] = []): Expr => ({ k: 'call', callee, args, line: 1, column: 1, text: `${callee}()` });
  const fn = (name: string, code: Instr[]): [string, LoweredFunction] =>
    [name, { name, params: ['p'], paramTypes: ['struct x *'], code, startLine: 1, endLine: 2, refused: null }];
  const ev = (e: Expr): Instr => ({ op: 'eval', e, line: 1 });
  const p: Expr = { k: 'id', name: 'p' };
  const member = (field: string): Expr => ({ k: 'field', base: p, field, arrow: true });
  const functions = new Map([
    fn('buffers', [ev({ k: 'assign', op: '=', l: member('buf'), r: call('kzalloc') }), ev(call('kfree', [member('old')])), ev(call('container_of', [p]))]),
    fn('pointer', [ev(call('kzalloc'))]),
    fn('ids', [ev(call('ida_alloc'))]),
    fn('devres', [ev(call('devm_kzalloc'))]),
    fn('device', [ev({ k: 'assign', op: '=', l: { k: 'field', base: member('adev'), field: 'name', arrow: false }, r: { k: 'num', value: 0 } })]),
    fn('releases', [ev({ k: 'assign', op: '=', l: member('release'), r: { k: 'id', name: 'buffers' } })]),
    fn('hides', [{ op: 'opaque', text: 'FOO(auxiliary_device_delete(p))', line: 1 }]),
    fn('calls', [ev(call('ids'))]),
  ]);
  const returns = (name: string) => name !== 'pointer';

  it('plain memory and container_of are allowed; the IDA, devres, a device member, a release, an unreadable call of the API, and a helper that is not, are not', () => {
    expect([...aloofFunctions(functions, new Set(['adev']), returns)].sort()).toEqual(['buffers']);
    // A helper returning a pointer may return what it allocated: its caller may make a device of it.
    expect([...aloofFunctions(functions, new Set(['adev']), () => true)].sort()).toEqual(['buffers', 'pointer']);
  });

  it('membersStored names what a helper and its callees store to (what its caller forgets)', () => {
    expect([...membersStored(functions, 'buffers')]).toEqual(['buf']);
    expect([...membersStored(new Map([...functions, fn('outer', [ev(call('buffers')), ev({ k: 'update', op: '++', prefix: false, e: member('count') })])]), 'outer')].sort()).toEqual(['buf', 'count']);
  });
});
