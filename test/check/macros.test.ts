import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveKernelMacros } from '../../src/check/macros/derive.js';
import { kernelMacros, MacroContext } from '../../src/check/macros/data.js';
import { dataText, kernelMacrosOfTree } from '../../src/check/macros/main.js';
import { scanHeader, stripComments, tokenize } from '../../src/check/macros/tokens.js';
import { cacheRoot } from '../../src/kunit/tree.js';

/**
 * The kernel macro data (issue 14, "Modern kernel C"): derived from the headers' definitions, not
 * listed by hand; what the checker reads is the committed file src/check/data/kernel-macros.json.
 */

const derive = (...headers: string[]) => deriveKernelMacros(headers.map((h, i) => scanHeader(h, `h${i}.h`)), { tree: 't', headers: 'h' });

/** The kernel's own cleanup.h macros these tests build on, as 6.12.118 writes them (abridged). */
const CLEANUP_H = `
#define DEFINE_FREE(_name, _type, _free) \\
	static inline void __free_##_name(void *p) { _type _T = *(_type *)p; _free; }
#define __get_and_null(p, nullvalue)   \\
	({ __auto_type __ptr = &(p); __auto_type __val = *__ptr; *__ptr = nullvalue; __val; })
#define no_free_ptr(p) ((typeof(p)) __must_check_fn(__get_and_null(p, NULL)))
#define return_ptr(p)	return no_free_ptr(p)
#define retain_and_null_ptr(p)		((void)__get_and_null(p, NULL))
#define CLASS(_name, var) class_##_name##_t var __cleanup(class_##_name##_destructor) = class_##_name##_constructor
#define __DEFINE_CLASS_IS_CONDITIONAL(_name, _is_cond) static __maybe_unused const bool class_##_name##_is_conditional = _is_cond
#define DEFINE_GUARD(_name, _type, _lock, _unlock) \\
	__DEFINE_CLASS_IS_CONDITIONAL(_name, false); DEFINE_CLASS(_name, _type, if (_T) { _unlock; }, ({ _lock; _T; }), _type _T);
#define DEFINE_GUARD_COND(_name, _ext, _condlock) \\
	__DEFINE_CLASS_IS_CONDITIONAL(_name##_ext, true); EXTEND_CLASS(_name, _ext, ({ void *_t = _T; _t; }), class_##_name##_t _T)
#define guard(_name) CLASS(_name, __UNIQUE_ID(guard))
#define __scoped_guard(_name, _label, args...) \\
	for (CLASS(_name, scope)(args); __guard_ptr(_name)(&scope) || !__is_cond_ptr(_name); ({ goto _label; })) \\
		if (0) { _label: break; } else
#define scoped_guard(_name, args...) __scoped_guard(_name, __UNIQUE_ID(label), args)
#define __scoped_cond_guard(_name, _fail, _label, args...) \\
	for (CLASS(_name, scope)(args); true; ({ goto _label; })) \\
		if (!__guard_ptr(_name)(&scope)) { BUILD_BUG_ON(!__is_cond_ptr(_name)); _fail; _label: break; } else
#define scoped_cond_guard(_name, _fail, args...) __scoped_cond_guard(_name, _fail, __UNIQUE_ID(label), args)
`;

describe('deriving the macro data from definitions', () => {
  it('tokens: comments go, continuation lines join, strings stay whole', () => {
    expect(stripComments('a /* x */ b // y\nc')).toBe('a   b  \nc');
    expect(tokenize('p->m ## x, "a,b" ...').map((t) => t.v)).toEqual(['p', '->', 'm', '##', 'x', ',', '"a,b"', '...']);
    const s = scanHeader('#define sq(x) \\\n\t((x) * (x))\n#define ONE 1\nint y;', 'a.h');
    expect(s.defines.map((d) => [d.name, d.params])).toEqual([['sq', ['x']]]);
    expect(s.code.map((t) => t.v)).toEqual(['int', 'y', ';']);
  });

  it('an argument only in sizeof / typeof is never evaluated, through any chain of macros; one evaluated anywhere is', () => {
    const d = derive(`
#define BUILD_BUG_ON_ZERO(e) ((int)(sizeof(struct { int:(-!!(e)); })))
#define __same_type(a, b) __builtin_types_compatible_p(typeof(a), typeof(b))
#define __must_be_array(a) BUILD_BUG_ON_ZERO(__same_type((a), &(a)[0]))
#define flex_array_size(p, member, count) size_mul(count, sizeof(*(p)->member) + __must_be_array((p)->member))
#define struct_size(p, member, count) size_add(sizeof(*(p)), flex_array_size(p, member, count))
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]) + __must_be_array(arr))
#define bare(x) sizeof *(x)->y + (x)
#define str(x) #x
#define kzalloc_obj(P, ...) __alloc_objs(kzalloc, default_gfp(__VA_ARGS__), typeof(P), 1)
#define default_gfp(...) __default_gfp(,##__VA_ARGS__,GFP_KERNEL)
#define unused(x) 0
#ifdef CONFIG_X
#define both(x) sizeof(x)
#else
#define both(x) f(x)
#endif
`);
    expect(d.sizeofOnly).toEqual({
      ARRAY_SIZE: [0], BUILD_BUG_ON_ZERO: [0], __must_be_array: [0], __same_type: [0, 1], flex_array_size: [0, 1], kzalloc_obj: [0], str: [0], struct_size: [0, 1],
    });
  });

  it('loops: a macro that is a `for` header (or expands to one) and what it assigns each turn; a `for` with a body of its own is a statement', () => {
    const d = derive(`
#define list_for_each_entry(pos, head, member) for (pos = list_first_entry(head, typeof(*pos), member); !list_entry_is_head(pos, head, member); pos = list_next_entry(pos, member))
#define xa_for_each_range(xa, index, entry, start, last) for (index = start, entry = xa_find(xa, &index, last, XA_PRESENT); entry; entry = xa_find_after(xa, &index, last, XA_PRESENT))
#define xa_for_each(xa, index, entry) xa_for_each_range(xa, index, entry, 0, ULONG_MAX)
#define for_each_cpu(cpu, mask) for ((cpu) = -1; (cpu) = cpumask_next((cpu), (mask)), (cpu) < nr_cpu_ids;)
#define for_each_node_with_property(dn, name) for_each_cpu(dn, name) if (!has(dn, name)) ; else
#define spin_forever(x) for (;;) { cpu_relax(); }
`);
    expect(d.loops).toEqual({
      for_each_cpu: { cursors: [0] }, for_each_node_with_property: { cursors: [0] }, list_for_each_entry: { cursors: [0] },
      xa_for_each: { cursors: [1, 2] }, xa_for_each_range: { cursors: [1, 2] },
    });
  });

  it('cleanup.h: scopes, guard declarations, guard classes and whether they may fail, __free classes, hand-overs', () => {
    const d = derive(CLEANUP_H, `
DEFINE_GUARD(mutex, struct mutex *, mutex_lock(_T), mutex_unlock(_T))
DEFINE_GUARD_COND(mutex, _try, mutex_trylock(_T))
DEFINE_FREE(kfree, void *, if (!IS_ERR_OR_NULL(_T)) kfree(_T))
DEFINE_FREE(device_node, struct device_node *, if (_T) of_node_put(_T))
DEFINE_FREE(odd, struct odd *, odd_release(_T->inner))
`);
    expect(d.scopes).toEqual({
      __scoped_cond_guard: { kind: 'cond-guard', class: 0, fail: 1 }, __scoped_guard: { kind: 'guard', class: 0 },
      scoped_cond_guard: { kind: 'cond-guard', class: 0, fail: 1 }, scoped_guard: { kind: 'guard', class: 0 },
    });
    expect(d.loops).toEqual({});
    expect(d.declarators).toEqual({ CLASS: { class: 0, var: 1 }, guard: { class: 0 } });
    expect(d.guards).toEqual({ mutex: { conditional: false }, mutex_try: { conditional: true } });
    expect(d.guardDefiners).toEqual({ DEFINE_GUARD: { name: [0], conditional: false }, DEFINE_GUARD_COND: { name: [0, 1], conditional: true } });
    expect(d.frees).toEqual({ device_node: 'of_node_put', kfree: 'kfree', odd: null });
    expect(d.freeDefiners).toEqual({ DEFINE_FREE: { name: 0, free: 2 } });
    expect(d.takes).toEqual({ no_free_ptr: { param: 0, returns: false }, retain_and_null_ptr: { param: 0, returns: false }, return_ptr: { param: 0, returns: true } });
  });

  it('a for with a class instance is a scope only when it runs once (a goto, or an older tree\'s done flag); a wrapper may name the class itself', () => {
    const d = derive(`
#define scoped_guard(_name, args...) for (CLASS(_name, scope)(args), *done = NULL; __guard_ptr(_name)(&scope) && !done; done = (void *)1)
#define claim_scoped(fail, dev) scoped_cond_guard(claim_try, fail, dev)
#define __scoped_cond_guard(_name, _fail, _label, args...) for (CLASS(_name, scope)(args); true; ({ goto _label; })) if (!__guard_ptr(_name)(&scope)) { _fail; _label: break; } else
#define scoped_cond_guard(_name, _fail, args...) __scoped_cond_guard(_name, _fail, __UNIQUE_ID(label), args)
#define for_each_hw(_chip, _i) for (CLASS(_each_data, _data)(&_i); *_data.i < _chip->n; (*_data.i)++)
`);
    expect(d.scopes).toEqual({
      __scoped_cond_guard: { kind: 'cond-guard', class: 0, fail: 1 }, claim_scoped: { kind: 'cond-guard', class: 'claim_try', fail: 0 },
      scoped_cond_guard: { kind: 'cond-guard', class: 0, fail: 1 }, scoped_guard: { kind: 'guard', class: 0 },
    });
    expect(Object.keys(d.loops)).toEqual(['for_each_hw']);
  });

  it('aliases: a macro that is one call of an expression macro calling the function it is given (kzalloc_obj → kzalloc)', () => {
    const d = derive(`
#define __alloc_objs(KMALLOC, GFP, TYPE, COUNT) ({ const size_t __obj_size = size_mul(sizeof(TYPE), COUNT); (TYPE *)KMALLOC(__obj_size, GFP); })
#define kzalloc_obj(P, ...) __alloc_objs(kzalloc, default_gfp(__VA_ARGS__), typeof(P), 1)
#define builtin_driver(__driver, __register, ...) static int __init __driver##_init(void) { return __register(&(__driver)); }
#define builtin_pci_driver(d) builtin_driver(d, pci_register_driver)
`);
    expect(d.aliases).toEqual({ kzalloc_obj: 'kzalloc' });
  });
});

describe('the committed data (src/check/data/kernel-macros.json)', () => {
  const k = kernelMacros();

  it('came from a kernel tree and holds what the checker relies on', () => {
    expect(k.tree).toMatch(/^\d+\.\d+\.\d+/);
    expect(k.sizeofOnly('kzalloc_obj')).toEqual([0]);
    expect(k.sizeofOnly('kzalloc_objs')).toEqual([0]);
    expect(k.sizeofOnly('struct_size')).toEqual([0, 1]);
    expect(k.sizeofOnly('ARRAY_SIZE')).toEqual([0]);
    expect(k.sizeofOnly('kzalloc')).toBeUndefined();
    expect(k.alias('kzalloc_obj')).toBe('kzalloc');
    expect(k.alias('kvmalloc_objs')).toBe('kvmalloc');
    expect(k.loop('list_for_each_entry')).toEqual({ cursors: [0] });
    expect(k.loop('list_for_each_entry_safe')).toEqual({ cursors: [0, 1] });
    expect(k.loop('xa_for_each')).toEqual({ cursors: [1, 2] });
    expect(k.loop('skb_queue_walk')).toEqual({ cursors: [1] });
    expect(k.scope('scoped_guard')).toEqual({ kind: 'guard', class: 0 });
    expect(k.scope('scoped_cond_guard')).toEqual({ kind: 'cond-guard', class: 0, fail: 1 });
    expect(k.declarator('guard')).toEqual({ class: 0 });
    expect(k.guardConditional('mutex')).toBe(false);
    expect(k.guardConditional('mutex_try')).toBe(true);
    expect(k.guardConditional('spinlock_irqsave')).toBe(false);
    expect(k.freeFunction('kfree')).toBe('kfree');
    expect(k.freeFunction('put_device')).toBe('put_device');
    expect(k.freeFunction('device_node')).toBe('of_node_put');
    expect(k.take('return_ptr')).toEqual({ param: 0, returns: true });
    expect(k.take('retain_and_null_ptr')).toEqual({ param: 0, returns: false });
  });

  const tree = process.env.KERNEL_SRC ?? (existsSync(join(cacheRoot(), 'kernel'))
    ? readdirSync(join(cacheRoot(), 'kernel')).map((d) => join(cacheRoot(), 'kernel', d, 'src')).filter((d) => existsSync(join(d, 'include/linux/cleanup.h'))).sort().pop()
    : undefined);
  const committed = JSON.parse(readFileSync(new URL('../../src/check/data/kernel-macros.json', import.meta.url), 'utf8')) as { source: { tree: string } };
  it.skipIf(tree === undefined)('is exactly what `npm run macros` gives from the tree it names (when that tree is on this machine)', () => {
    const data = kernelMacrosOfTree(tree!);
    if (data.source.tree !== committed.source.tree) return;
    expect(dataText(data)).toBe(readFileSync(new URL('../../src/check/data/kernel-macros.json', import.meta.url), 'utf8'));
  });

  it('a file adds what it defines itself: its own loops, guard classes and __free classes', () => {
    const f = k.forFile(`
#define foo_for_each_port(hub, i, port) for (i = 0, port = (hub)->ports[0]; i < (hub)->n; port = (hub)->ports[++i])
DEFINE_GUARD_COND(foo_lock, _try, foo_trylock(_T))
DEFINE_FREE(foo_put, struct foo *, if (_T) foo_put(_T))
int x;`);
    expect(f.loop('foo_for_each_port')).toEqual({ cursors: [1, 2] });
    expect(f.guardConditional('foo_lock_try')).toBe(true);
    expect(f.freeFunction('foo_put')).toBe('foo_put');
    expect(f.loop('list_for_each_entry')).toEqual({ cursors: [0] });
    expect(k.loop('foo_for_each_port')).toBeUndefined();
    expect(k.forFile('int x;')).toBe(k);
  });

  it('a malformed data file is an error, never an empty context', () => {
    expect(() => MacroContext.fromData({ format: 2 })).toThrow(/malformed: regenerate it with npm run macros/);
    expect(() => MacroContext.fromData(null)).toThrow(/malformed/);
  });
});
