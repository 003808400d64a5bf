import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../../src/check/index.js';
import type { Expr, Instr, LoweredFunction } from '../../../src/check/ir.js';
import { pureFunctions } from '../../../src/check/path/pure.js';

/**
 * Helpers that call nothing the model follows run as summaries of their distinct outcomes
 * (src/check/path/pure.ts, run.ts `callSameFile`; issue 14 "path explosion"): the findings must
 * be exactly those of running every helper inline, on far fewer paths.
 */

const HEAD = `
#include <linux/auxiliary_bus.h>
struct foo { struct auxiliary_device adev; int port; };
static void foo_release(struct device *dev)
{
	struct foo *f = container_of(dev, struct foo, adev.dev);
	kfree(f);
}
`;
const lineOf = (body: string, marker: string) => HEAD.split('\n').length - 1 + body.split('\n').findIndex((l) => l.includes(marker)) + 1;
const both = async (body: string, maxPaths?: number) => {
  const run = async (summaries: boolean) => {
    const r = await checkSource(HEAD + body, 't.c', { summaries, ...(maxPaths ? { maxPaths } : {}) });
    return { findings: r.findings.map((f) => `${f.at.line} ${f.code}`), notAnalysed: r.notAnalysed.map((n) => `${n.function}: ${n.reason}`), paths: r.paths };
  };
  return { on: await run(true), off: await run(false) };
};

/** A helper with many paths inside and two distinct results: whether a port is usable. */
const PROBE_HELPER = `static int foo_port_ok(struct info *info, int port)
{
	if (info->slow)
		dev_warn(info->dev, "slow port %d\\n", port);
	if (info->wide)
		dev_warn(info->dev, "wide port %d\\n", port);
	if (info->legacy)
		dev_warn(info->dev, "legacy port %d\\n", port);
	if (info->shared)
		dev_warn(info->dev, "shared port %d\\n", port);
	if (info->disabled)
		return -ENODEV;
	return 0;
}
`;

describe('helper summaries (issue 14: path explosion)', () => {
  it('§5 B3: the same finding as inline runs, on a fraction of the paths; a bound inline runs reach is not reached', async () => {
    const body = `${PROBE_HELPER}
int foo_probe(struct device *parent, struct info *info)
{
	struct foo *f;
	int ret;
	ret = foo_port_ok(info, 0);
	if (ret)
		return ret;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	ret = auxiliary_device_init(&f->adev);
	if (ret) {
		kfree(f);
		return ret;
	}
	ret = auxiliary_device_add(&f->adev);
	if (ret)
		return ret; /* leak */
	info->adev = &f->adev;
	return 0;
}`;
    const r = await both(body);
    expect(r.on.findings).toEqual([`${lineOf(body, '/* leak */')} leak-initialized`]);
    expect(r.off.findings).toEqual(r.on.findings);
    expect(r.on.notAnalysed).toEqual([]);
    // Inline, the call multiplies the paths by the helper's 2^4 warning branches; as a summary,
    // by its 2 results (what its runs learnt about info->slow, ... is read by nothing after it).
    expect(r.on.paths * 5).toBeLessThan(r.off.paths);
    const bounded = await both(body, 20);
    expect(bounded.on.notAnalysed).toEqual([]);
    expect(bounded.on.findings).toEqual(r.on.findings);
    expect(bounded.off.notAnalysed.join()).toContain('stopped after 20 paths');
  });

  it('§5 B4: a result only some of the helper\'s paths return still selects the caller\'s buggy branch', async () => {
    const body = `static int foo_check(struct info *info)
{
	if (!info->ready)
		return 0;
	if (info->flags & 4)
		return -EIO;
	return 0;
}
int foo_add(struct device *parent, struct info *info)
{
	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	if (auxiliary_device_init(&f->adev)) {
		kfree(f);
		return -EINVAL;
	}
	if (foo_check(info)) {
		auxiliary_device_uninit(&f->adev);
		kfree(f); /* twice */
		return -EIO;
	}
	info->adev = &f->adev;
	return 0;
}`;
    const r = await both(body);
    expect(r.on.findings).toEqual([`${lineOf(body, '/* twice */')} double-free`]);
    expect(r.off.findings).toEqual(r.on.findings);
  });

  it('§5 B3: what a helper stores into its caller\'s memory is part of its outcome and decides the caller\'s path', async () => {
    const body = `static void foo_mark(struct info *info)
{
	if (info->mode == 3)
		info->skip = 1;
	else
		info->skip = 0;
}
int foo_add(struct device *parent, struct info *info)
{
	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	if (auxiliary_device_init(&f->adev)) {
		kfree(f);
		return -EINVAL;
	}
	info->skip = 0;
	foo_mark(info);
	if (info->skip)
		return 0; /* leak */
	info->adev = &f->adev;
	return 0;
}`;
    const r = await both(body);
    expect(r.on.findings).toEqual([`${lineOf(body, '/* leak */')} leak-initialized`]);
    expect(r.off.findings).toEqual(r.on.findings);
  });

  it('§5 B6: a predicate helper called on create and again on teardown answers the same on one path, as inline (no false finding)', async () => {
    const body = `static bool foo_has_port(struct info *info)
{
	if (!info->caps)
		return false;
	if (info->caps->ports == 0)
		return false;
	return true;
}
int foo_setup(struct device *parent, struct info *info)
{
	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	int ret;
	if (!f)
		return -ENOMEM;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	if (auxiliary_device_init(&f->adev)) {
		kfree(f);
		return -EINVAL;
	}
	if (foo_has_port(info)) {
		ret = auxiliary_device_add(&f->adev);
		if (ret) {
			auxiliary_device_uninit(&f->adev);
			return ret;
		}
	}
	if (foo_has_port(info)) {
		info->adev = &f->adev;
		return 0;
	}
	auxiliary_device_uninit(&f->adev);
	return 0;
}`;
    const r = await both(body);
    // Were the second answer free of the first, the path "added, then no port" would uninit an
    // added device (uninit-without-delete).
    expect(r.off.findings).toEqual([]);
    expect(r.on.findings).toEqual([]);
    expect(r.on.notAnalysed).toEqual([]);
  });

  it('§5 B11: a helper that reads memory the model judges is run inline (the model sees the load), with the same finding', async () => {
    const body = `static int foo_port(struct foo *f)
{
	if (f->port > 3)
		return 3;
	return f->port;
}
int foo_add(struct device *parent, struct info *info)
{
	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	int ret;
	if (!f)
		return -ENOMEM;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	if (auxiliary_device_init(&f->adev)) {
		kfree(f);
		return -EINVAL;
	}
	ret = auxiliary_device_add(&f->adev);
	if (ret) {
		auxiliary_device_uninit(&f->adev);
		return foo_port(f); /* read */
	}
	info->adev = &f->adev;
	return 0;
}`;
    const r = await both(body);
    expect(r.on.findings).toEqual([`${lineOf(body, '/* read */')} use-after-release`]);
    expect(r.off.findings).toEqual(r.on.findings);
    expect(r.on.paths).toBe(r.off.paths);
  });

  it('every file of the fixture corpus gives the same findings with summaries as with every helper inline', async () => {
    const dir = join(import.meta.dirname, '../../fixtures/check/corpus');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.c'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      const on = await checkSource(text, file, { summaries: true });
      const off = await checkSource(text, file, { summaries: false });
      expect(on.findings.map((f) => `${f.at.line} ${f.code}`), file).toEqual(off.findings.map((f) => `${f.at.line} ${f.code}`));
      expect(on.notAnalysed, file).toEqual(off.notAnalysed);
    }
  });

  it('summaries: anything but a boolean is a typed error', async () => {
    await expect(checkSource(HEAD, 't.c', { summaries: 'yes' as never })).rejects.toThrow(/summaries/);
  });
});

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
