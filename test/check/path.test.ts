import { describe, expect, it } from 'vitest';
import { checkSource, formatGcc, toCheckJson, toSarif } from '../../src/check/index.js';

/**
 * What the path interpreter does with C shapes the corpus does not isolate: what a branch
 * learns, loops, code it refuses to guess about, and where a leak inside a helper is placed.
 */

const HEAD = `
#include <linux/auxiliary_bus.h>
struct foo { struct auxiliary_device adev; int port; };
static DEFINE_IDA(foo_ida);
static void foo_release(struct device *dev)
{
	struct foo *f = container_of(dev, struct foo, adev.dev);
	ida_free(&foo_ida, f->adev.id);
	kfree(f);
}
`;

const codes = async (body: string) => {
  const r = await checkSource(HEAD + body, 't.c');
  return { findings: r.findings.map((f) => `${f.at.line - HEAD.split('\n').length + 1} ${f.code}`), notAnalysed: r.notAnalysed.map((n) => n.reason), paths: r.paths };
};

describe('the path interpreter', () => {
  it('a value tested once is known afterwards: no finding on a path the code cannot take (§5 B12 only on the feasible one)', async () => {
    const r = await codes(`int foo_add(struct device *parent, struct info *info)
{
	struct foo *f;
	if (!info->parent)
		return -EINVAL;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	if (!info->parent)
		return -EINVAL;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	if (auxiliary_device_init(&f->adev)) {
		kfree(f);
		return -EINVAL;
	}
	info->adev = &f->adev;
	return 0;
}`);
    // Without what the first test taught, the second would return with f allocated: a leak.
    expect(r.findings).toEqual([]);
  });

  it('§5 B3: the leak is reported at the return of the helper that drops the device, not again in its caller', async () => {
    const r = await codes(`static struct foo *foo_make(struct device *parent)
{
	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return NULL;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	if (auxiliary_device_init(&f->adev)) {
		kfree(f);
		return NULL;
	}
	if (auxiliary_device_add(&f->adev))
		return NULL;
	return f;
}
int foo_probe(struct device *parent, struct foo **out)
{
	struct foo *f = foo_make(parent);
	if (!f)
		return -ENOMEM;
	*out = f;
	return 0;
}`);
    expect(r.findings).toEqual(['14 leak-initialized']);
  });

  it('§5 B11: a use after release by a plain statement (a store after the last uninit) is placed at that statement: its line, column and text', async () => {
    const body = `int foo_make(struct device *parent)
{
	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	if (auxiliary_device_init(&f->adev)) {
		kfree(f);
		return -EIO;
	}
	auxiliary_device_uninit(&f->adev);
	   f->port = 0;
	return 0;
}
`;
    const r = await checkSource(HEAD + body, 't.c');
    const store = (HEAD + body).split('\n').findIndex((l) => l.includes('f->port = 0;')) + 1;
    // (The release frees an id this function never allocated: ida-double-free at the uninit.)
    const uar = r.findings.filter((f) => f.code === 'use-after-release');
    expect(uar).toHaveLength(1);
    expect(uar[0]!.at).toMatchObject({ line: store, column: 5 });
    expect(uar[0]!.message.startsWith('f->port = 0: ')).toBe(true);
  });

  it('a loop over an unknown count runs 0, 1 and 2 times; an iterator macro is such a loop', async () => {
    const r = await codes(`void foo_set_release(struct foo *f)
{
	f->adev.dev.release = foo_release;
}
void foo_remove_all(struct list_head *head)
{
	struct foo *f;
	list_for_each_entry(f, head, node) {
		auxiliary_device_delete(&f->adev);
		auxiliary_device_uninit(&f->adev);
	}
}`);
    expect(r.notAnalysed).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.paths).toBe(3);
  });

  it('model.md §4.6: a release callback defined in another file is unknown, not absent: the function is analysed and nothing is guessed', async () => {
    const r = await codes(`int foo_add(struct device *parent)
{
	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = other_release;
	if (auxiliary_device_init(&f->adev)) {
		kfree(f);
		return -EINVAL;
	}
	auxiliary_device_uninit(&f->adev);
	return 0;
}`);
    // With "no release" the uninit would be B12 and the container a leak; neither is claimed.
    expect(r.findings).toEqual([]);
    expect(r.notAnalysed).toEqual([]);
  });

  it('a preprocessor conditional around an auxiliary-bus call inside a function: not analysed, with the line', async () => {
    const r = await codes(`void foo_del(struct foo *f)
{
#ifdef CONFIG_FOO
	auxiliary_device_delete(&f->adev);
#endif
	auxiliary_device_uninit(&f->adev);
}`);
    expect(r.notAnalysed).toHaveLength(1);
    expect(r.notAnalysed[0]).toMatch(/^cannot follow "#ifdef CONFIG_FOO auxiliary_device_delete/);
  });

  it('a second definition of one name (here a GCC nested function): not analysed, with the line of the first, never silently skipped', async () => {
    const r = await checkSource(`
#include <linux/auxiliary_bus.h>
int foo_make(struct auxiliary_device *adev)
{
	int foo_make(struct auxiliary_device *adev)
	{
		return auxiliary_device_init(adev);
	}
	return 0;
}`, 't.c');
    expect(r.notAnalysed.map((n) => [n.line, n.reason])).toEqual([[5, 'a second definition of foo_make (the first is at line 3): only the first is analysed']]);
  });

  it('container_of naming a member the pointer is not at: not analysed', async () => {
    const r = await codes(`void foo_put(struct device *dev)
{
	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	struct bar *b;
	if (!f)
		return;
	b = container_of(&f->port, struct bar, adev);
	auxiliary_device_uninit(&b->adev);
}`);
    expect(r.notAnalysed[0]).toMatch(/^container_of at line \d+: adev is not where the pointer points/);
  });
});

describe('functions of other files', () => {
  const file = (release: string) => `
#include <linux/auxiliary_bus.h>
struct bar { struct auxiliary_device adev; };
static void bar_release(struct device *dev)
{
	struct bar *b = ${release};
	kfree(b);
}
int bar_add(struct device *parent, struct bar **out)
{
	struct bar *b = kzalloc(sizeof(*b), GFP_KERNEL);
	int ret;
	if (!b)
		return -ENOMEM;
	b->adev.name = "bar";
	b->adev.dev.parent = parent;
	b->adev.dev.release = bar_release;
	ret = auxiliary_device_init(&b->adev);
	if (ret) {
		kfree(b);
		return ret;
	}
	ret = auxiliary_device_add(&b->adev);
	if (ret) {
		auxiliary_device_uninit(&b->adev);
		kfree(b);
		return ret;
	}
	*out = b;
	return 0;
}`;

  it('§5 B4: a to_foo() helper of another file is read as container_of by the kernel convention, so the double free shows', async () => {
    const r = await checkSource(file('adev_to_bar(to_auxiliary_dev(dev))'), 'bar.c');
    expect(r.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['26 double-free']);
  });

  it('a release freeing what another file\'s function returned, without the convention: not analysed, never guessed', async () => {
    const r = await checkSource(file('bar_lookup(dev)'), 'bar.c');
    expect(r.findings).toEqual([]);
    expect(r.notAnalysed.map((n) => n.reason)).toEqual(['kfree(b) at line 7, in a release callback, frees what bar_lookup returned, and that function is not in this file']);
  });
});

describe('a device from the caller in a file with several release callbacks', () => {
  const file = (teardown: string) => `
#include <linux/auxiliary_bus.h>
struct a_dev { struct auxiliary_device adev; };
struct b_dev { struct auxiliary_device adev; };
static void a_release(struct device *dev)
{
	struct a_dev *a = container_of(dev, struct a_dev, adev.dev);
	kfree(a);
}
static void b_release(struct device *dev)
{
}
void a_setup(struct a_dev *a) { a->adev.dev.release = a_release; }
void b_setup(struct b_dev *b) { b->adev.dev.release = b_release; }
void x_unplug(struct auxiliary_device *adev)
{
${teardown}
}`;

  it('§5 B7: what breaks whichever release the device has is reported (the function is run once per release callback)', async () => {
    const r = await checkSource(file('\tauxiliary_device_delete(adev);\n\tauxiliary_device_delete(adev);\n\tauxiliary_device_uninit(adev);'), 'x.c');
    expect(r.notAnalysed).toEqual([]);
    expect(r.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['18 double-delete']);
    expect(r.findings[0]!.message).toMatch(/whichever of the file's release callbacks the device has: a_release, b_release/);
  });

  it('what breaks with only one of them is not reported: the device may have the other', async () => {
    // a_release frees the container, so a kfree after the uninit is a double free (B4) with it;
    // b_release frees nothing, so with it the same kfree is free-outside-release (B18): the two
    // runs disagree on the code, and the checker claims neither.
    const r = await checkSource(file('\tauxiliary_device_delete(adev);\n\tauxiliary_device_uninit(adev);\n\tkfree(adev);'), 'x.c');
    expect(r.notAnalysed).toEqual([]);
    expect(r.findings).toEqual([]);
  });
});

describe('model.md §4.6: only the release callback frees a container after the last put (B18)', () => {
  /** A file with a release callback `body` and a create function whose add failure runs `unwind`. */
  const file = (release: string, alloc: string, unwind: string, initFail = '\t\tkfree(g);\n') => `
#include <linux/auxiliary_bus.h>
struct goo { struct auxiliary_device adev; void *buf; };
static void goo_free(struct goo *g)
{
	kfree(g);
}
static void goo_release(struct device *dev)
{
${release}
}
int goo_add(struct device *parent, struct goo **out)
{
	struct goo *g = ${alloc};
	int ret;
	if (!g)
		return -ENOMEM;
	g->adev.name = "goo";
	g->adev.dev.parent = parent;
	g->adev.dev.release = goo_release;
	ret = auxiliary_device_init(&g->adev);
	if (ret) {
${initFail}		return ret;
	}
	ret = auxiliary_device_add(&g->adev);
	if (ret) {
${unwind}		return ret;
	}
	*out = g;
	return 0;
}`;
  const KZALLOC = 'kzalloc(sizeof(*g), GFP_KERNEL)';
  const DEVM = 'devm_kzalloc(parent, sizeof(*g), GFP_KERNEL)';
  const EMPTY = '\t/* nothing: the caller frees */';
  const found = async (text: string) => {
    const r = await checkSource(text, 'goo.c');
    expect(r.notAnalysed).toEqual([]);
    return r;
  };
  const at = (r: { findings: Array<{ at: { line: number }; code: string }> }) => r.findings.map((f) => `${f.at.line} ${f.code}`);

  it('B18: an "empty" release and a kfree() after auxiliary_device_uninit() is free-outside-release at the kfree', async () => {
    const r = await found(file(EMPTY, KZALLOC, '\t\tauxiliary_device_uninit(&g->adev);\n\t\tkfree(g);\n'));
    expect(at(r)).toEqual(['29 free-outside-release']);
    expect(r.findings[0]!.failing?.call).toBe('auxiliary_device_add(&g->adev)');
  });

  it('B18 vs B4: the same kfree() after the uninit is double-free when the release frees the container, through a same-file helper and container_of', async () => {
    const r = await found(file('\tgoo_free(container_of(dev, struct goo, adev.dev));', KZALLOC, '\t\tauxiliary_device_uninit(&g->adev);\n\t\tkfree(g);\n'));
    expect(at(r)).toEqual(['29 double-free']);
  });

  it('B18: a release that frees the container through a to_*() wrapper of another file owns it: no finding when nobody else frees it', async () => {
    const r = await found(file('\tkfree(to_goo(to_auxiliary_dev(dev)));', KZALLOC, '\t\tauxiliary_device_uninit(&g->adev);\n'));
    expect(at(r)).toEqual([]);
  });

  it('B18 starts at the last put: a kfree() before the uninit of an initialized device stays free-after-init (B1)', async () => {
    const r = await found(file(EMPTY, KZALLOC, '\t\tkfree(g);\n'));
    expect(at(r)).toEqual(['28 free-after-init']);
  });

  it('B18: a release that frees nothing, with nobody freeing the container, is a leak at the end, not free-outside-release', async () => {
    const r = await found(file(EMPTY, KZALLOC, '\t\tauxiliary_device_uninit(&g->adev);\n'));
    expect(at(r)).toEqual(['29 memory-leak']);
  });

  it('B18: a devm_kzalloc()ed container whose device was initialized is freed by devres at unbind: reported once, on the devm_kzalloc() line, where the fix goes', async () => {
    const r = await found(file(EMPTY, DEVM, '\t\tauxiliary_device_uninit(&g->adev);\n', ''));
    expect(at(r)).toEqual(['14 free-outside-release']);
    expect(r.findings[0]!.message).toMatch(/^devm_kzalloc\(parent, sizeof\(\*g\), GFP_KERNEL\) \(the fix goes here\): devres frees this memory when the parent driver unbinds/);
  });

  it('B18 needs a successful init: devres freeing a devm_kzalloc()ed struct whose device was never initialized is no finding', async () => {
    const init = await found(`
#include <linux/auxiliary_bus.h>
struct goo { struct auxiliary_device adev; };
int goo_none(struct device *parent, struct goo **out)
{
	struct goo *g = devm_kzalloc(parent, sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	*out = g;
	return auxiliary_device_add(&g->adev);
}`);
    expect(at(init)).toEqual(['10 add-uninitialized']);
  });

  it('B4 and B18: a devm_kzalloc()ed container whose release kfree()s it: a double free where the release runs (KASAN: invalid-free), and devres frees it outside the release at unbind', async () => {
    const r = await found(file('\tgoo_free(container_of(dev, struct goo, adev.dev));', DEVM, '\t\tauxiliary_device_uninit(&g->adev);\n', ''));
    // add fails: the uninit at line 27 runs the release, whose kfree() (line 6) frees devm memory;
    // either way devres frees the container at unbind, after the caller's last put or under the device (B18).
    expect(at(r)).toEqual(['14 free-outside-release', '27 double-free']);
    const b4 = r.findings.find((f) => f.code === 'double-free')!;
    expect(b4.failing?.call).toBe('auxiliary_device_add(&g->adev)');
    expect(b4.message).toContain('kfree() at line 6 (in the release callback)');
  });
});

describe('model.md §4.6: a release callback the checker cannot see is unknown', () => {
  const file = (unwind: string, release = 'hoo_core_release') => `
#include <linux/auxiliary_bus.h>
struct hoo { struct auxiliary_device adev; void *ring; int n; };
void hoo_core_release(struct device *dev);
int hoo_add(struct device *parent, struct hoo **out)
{
	struct hoo *h = kzalloc(sizeof(*h), GFP_KERNEL);
	int ret;
	if (!h)
		return -ENOMEM;
	h->ring = kzalloc(64, GFP_KERNEL);
	h->adev.name = "hoo";
	h->adev.dev.parent = parent;
	h->adev.dev.release = ${release};
	ret = auxiliary_device_init(&h->adev);
	if (ret) {
		kfree(h->ring);
		kfree(h);
		return ret;
	}
	ret = auxiliary_device_add(&h->adev);
	if (ret) {
${unwind}		return ret;
	}
	*out = h;
	return 0;
}`;

  it('B18/B4 not claimed: a kfree() after the uninit depends on what the unseen release frees, so the function is analysed and nothing is reported', async () => {
    const r = await checkSource(file('\t\tauxiliary_device_uninit(&h->adev);\n\t\tkfree(h);\n'), 'hoo.c');
    expect(r.notAnalysed).toEqual([]);
    expect(r.functions).toBe(1);
    expect(r.findings).toEqual([]);
    // What the release might free (the container and the ring it holds) is no leak either.
    const only = await checkSource(file('\t\tauxiliary_device_uninit(&h->adev);\n'), 'hoo.c');
    expect(only.findings).toEqual([]);
  });

  it('the assumption is stated: in the result, as a gcc-style note, and in the JSON and SARIF output', async () => {
    const r = await checkSource(file('\t\tauxiliary_device_uninit(&h->adev);\n\t\tkfree(h);\n'), 'hoo.c');
    const text = 'release callback hoo_core_release is not in this file: assumed unknown (it may free the container or not); findings that depend on what it frees are not reported';
    expect(r.assumptions).toEqual([{ file: 'hoo.c', function: 'hoo_add', line: 14, release: 'hoo_core_release', text }]);
    const result = { files: 1, functions: r.functions, findings: r.findings, notAnalysed: r.notAnalysed, assumptions: r.assumptions };
    expect(formatGcc(result)).toBe(`hoo.c:14:1: note: assumed (function hoo_add): ${text}`);
    expect(toCheckJson(result, '0.0.0').assumptions).toEqual(r.assumptions);
    const notes = toSarif(result, '0.0.0').runs[0]!.invocations[0]!.toolExecutionNotifications;
    expect(notes.map((n) => n.message.text)).toEqual([`assumed (function hoo_add): ${text}`]);
  });

  it('B11 is still reported: a use of the device after its last put breaks whatever the unseen release does', async () => {
    const r = await checkSource(file('\t\tauxiliary_device_uninit(&h->adev);\n\t\th->adev.id = 0;\n'), 'hoo.c');
    expect(r.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['24 use-after-release']);
    expect(r.assumptions.map((a) => a.release)).toEqual(['hoo_core_release']);
    // A field of the container outside the device is gone only if the release frees the
    // container: that depends on the unseen release, so it is not reported.
    const field = await checkSource(file('\t\tauxiliary_device_uninit(&h->adev);\n\t\th->n = 0;\n'), 'hoo.c');
    expect(field.findings).toEqual([]);
  });

  it('a release assigned through a pointer the checker cannot follow is unknown too, also for a device from the caller', async () => {
    const r = await checkSource(`
#include <linux/auxiliary_bus.h>
struct joo { struct auxiliary_device adev; const struct joo_ops *ops; };
void joo_setup(struct joo *j)
{
	j->adev.dev.release = j->ops->release;
}
void joo_remove(struct joo *j)
{
	auxiliary_device_delete(&j->adev);
	auxiliary_device_uninit(&j->adev);
	kfree(j);
}`, 'joo.c');
    expect(r.notAnalysed).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.assumptions.map((a) => [a.function, a.line, a.text.split(':')[0]])).toEqual([['joo_remove', 8, 'the release callback (a computed pointer) is not in this file']]);
  });
});

describe('several auxiliary devices side by side in one allocation (model.md §4.6)', () => {
  const file = (alloc: string, tail: string) => `
#include <linux/auxiliary_bus.h>
struct kite { struct device *dev; struct auxiliary_device a; struct auxiliary_device b; };
static void kite_release(struct device *dev)
{
}
int kite_probe(struct device *dev, struct kite **out)
{
	struct kite *k = ${alloc};
	if (!k)
		return -ENOMEM;
	k->a.name = "a";
	k->a.dev.parent = dev;
	k->a.dev.release = kite_release;
	k->b.name = "b";
	k->b.dev.parent = dev;
	k->b.dev.release = kite_release;
	if (auxiliary_device_init(&k->a))
		return -EINVAL;
	if (auxiliary_device_init(&k->b)) {
		auxiliary_device_uninit(&k->a);
		return -EINVAL;
	}
${tail}
}`;

  it('B18: each device is followed on its own (no "not analysed"); devres freeing the devm struct is reported once, on the devm_kzalloc() line', async () => {
    const r = await checkSource(file('devm_kzalloc(dev, sizeof(*k), GFP_KERNEL)', '\t*out = k;\n\treturn 0;'), 'kite.c');
    expect(r.notAnalysed).toEqual([]);
    expect(r.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['9 free-outside-release']);
  });

  it('B18: a kfree() of the struct after the last put of both devices, whose releases free nothing, is free-outside-release; between the two puts it is also free-after-init (B1) for the device still held', async () => {
    const after = await checkSource(file('kzalloc(sizeof(*k), GFP_KERNEL)', '\tauxiliary_device_uninit(&k->a);\n\tauxiliary_device_uninit(&k->b);\n\tkfree(k);\n\treturn 0;'), 'kite.c');
    expect(after.notAnalysed).toEqual([]);
    // Also on the init-failure paths: k is leaked there (the releases free nothing).
    expect(after.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['19 memory-leak', '22 memory-leak', '26 free-outside-release']);
    const early = await checkSource(file('kzalloc(sizeof(*k), GFP_KERNEL)', '\tauxiliary_device_uninit(&k->a);\n\tkfree(k);\n\tauxiliary_device_uninit(&k->b);\n\treturn 0;'), 'kite.c');
    // The one kfree() frees both: a after its last put (B18), b still held (B1); b's uninit then touches freed memory (B11).
    expect(early.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['19 memory-leak', '22 memory-leak', '25 free-after-init', '25 free-outside-release', '26 use-after-release']);
  });

  it('model.md §4.1: a field of no device, read after one device\'s last put, is live memory while the allocation is (no B11); after the allocation is freed it is B11', async () => {
    const live = await checkSource(file('kzalloc(sizeof(*k), GFP_KERNEL)', '\tauxiliary_device_uninit(&k->a);\n\tif (k->dev)\n\t\tauxiliary_device_uninit(&k->b);\n\telse\n\t\tauxiliary_device_uninit(&k->b);\n\t*out = k;\n\treturn 0;'), 'kite.c');
    expect(live.notAnalysed).toEqual([]);
    expect(live.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['19 memory-leak', '22 memory-leak']);
    const freed = await checkSource(file('kzalloc(sizeof(*k), GFP_KERNEL)', '\tauxiliary_device_uninit(&k->a);\n\tauxiliary_device_uninit(&k->b);\n\tkfree(k);\n\tif (k->dev)\n\t\treturn 1;\n\treturn 0;'), 'kite.c');
    expect(freed.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['19 memory-leak', '22 memory-leak', '26 free-outside-release', '27 use-after-release']);
  });
});

describe('a flag tested twice (`if (pg->mask & BIT(n))` on create and on its unwind)', () => {
  const file = (between: string) => `
#include <linux/auxiliary_bus.h>
struct pg { struct device *dev; unsigned long mask; struct auxiliary_device a; struct auxiliary_device b; };
static void pg_release(struct device *dev)
{
}
static int pg_add(struct pg *pg, struct auxiliary_device *aux, const char *name)
{
	int ret;
	aux->name = name;
	aux->dev.parent = pg->dev;
	aux->dev.release = pg_release;
	ret = auxiliary_device_init(aux);
	if (ret)
		return ret;
	ret = auxiliary_device_add(aux);
	if (ret)
		auxiliary_device_uninit(aux);
	return ret;
}
static void pg_del(struct auxiliary_device *aux)
{
	auxiliary_device_delete(aux);
	auxiliary_device_uninit(aux);
}
int pg_probe(struct device *dev, struct pg *pg)
{
	int ret;
	pg->mask = *(unsigned long *)dev->platform_data;
	if (pg->mask & BIT(0)) {
		ret = pg_add(pg, &pg->a, "a");
		if (ret)
			return ret;
	}
	if (pg->mask & BIT(1)) {
		ret = pg_add(pg, &pg->b, "b");
		if (ret)
			goto out_a;
	}
${between}	ret = other_thing(dev);
	if (ret)
		goto out_b;
	return 0;
out_b:
	if (pg->mask & BIT(1))
		pg_del(&pg->b);
out_a:
	if (pg->mask & BIT(0))
		pg_del(&pg->a);
	return ret;
}`;

  it('B8, B2 not claimed on a path the code cannot take: the unwind sees the outcome the create took, for each flag', async () => {
    const r = await checkSource(file(''), 'pg.c');
    expect(r.notAnalysed).toEqual([]);
    expect(r.findings).toEqual([]);
  });

  it('a store to the value in between forgets what was learnt: the unwind then takes both outcomes again (more paths)', async () => {
    const kept = await checkSource(file(''), 'pg.c');
    const forgot = await checkSource(file('\tpg->mask = get_mask(dev);\n'), 'pg.c');
    expect(forgot.paths).toBeGreaterThan(kept.paths);
    expect(forgot.notAnalysed).toEqual([]);
  });
});

describe('a field of the container outside its device (model.md §4.1, §4.6)', () => {
  const file = (release: string) => `
#include <linux/auxiliary_bus.h>
struct loon { struct auxiliary_device adev; int port; };
static void loon_release(struct device *dev)
{
${release}}
void loon_setup(struct loon *l) { l->adev.dev.release = loon_release; }
void loon_remove(struct loon *l)
{
	auxiliary_device_delete(&l->adev);
	auxiliary_device_uninit(&l->adev);
	l->port = 0;
	l->adev.id = 0;
}`;

  it('B11: after a release that freed the container both are uses after release; after one that left it, only the device field is', async () => {
    const freeing = await checkSource(file('\tkfree(container_of(dev, struct loon, adev.dev));\n'), 'loon.c');
    expect(freeing.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['13 use-after-release', '14 use-after-release']);
    // An empty release body: the same lines, one higher.
    const leaving = await checkSource(file(''), 'loon.c');
    expect(leaving.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['13 use-after-release']);
  });
});

describe('several auxiliary devices in a struct from the caller', () => {
  it('each device is received in the state its first call expects: a teardown of both is clean, a put after the last one is B11', async () => {
    const text = (extra: string) => `
#include <linux/auxiliary_bus.h>
struct kite { struct auxiliary_device a; struct auxiliary_device b; };
static void kite_release(struct device *dev)
{
}
void kite_setup(struct kite *k) { k->a.dev.release = kite_release; }
void kite_remove(struct kite *k)
{
	auxiliary_device_delete(&k->a);
	auxiliary_device_uninit(&k->a);
	auxiliary_device_delete(&k->b);
	auxiliary_device_uninit(&k->b);
${extra}}`;
    const clean = await checkSource(text(''), 'kite.c');
    expect(clean.notAnalysed).toEqual([]);
    expect(clean.findings).toEqual([]);
    const late = await checkSource(text('\tput_device(&k->b.dev);\n'), 'kite.c');
    expect(late.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['14 use-after-release']);
  });
});

describe('model.md §4.6: devm_kfree() and a release that cannot be read', () => {
  const file = (release: string, unwind: string) => `
#include <linux/auxiliary_bus.h>
struct loo { struct auxiliary_device adev; };
static void loo_release(struct device *dev)
{
${release}
}
int loo_add(struct device *parent, struct loo **out)
{
	struct loo *l = devm_kzalloc(parent, sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->adev.name = "loo";
	l->adev.dev.parent = parent;
	l->adev.dev.release = loo_release;
	if (auxiliary_device_init(&l->adev)) {
		devm_kfree(parent, l);
		return -EINVAL;
	}
${unwind}
}`;

  it('B18: devm_kfree() after the last put is a free outside the release, on its own line; before init it is fine and devres does not free it again', async () => {
    const r = await checkSource(file('', '\tauxiliary_device_uninit(&l->adev);\n\tdevm_kfree(parent, l);\n\treturn -EIO;'), 'loo.c');
    expect(r.notAnalysed).toEqual([]);
    expect(r.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual(['21 free-outside-release']);
  });

  it('a release callback of this file that cannot be read is unknown too, and the note says why', async () => {
    const r = await checkSource(file('\tint = ;', '\tauxiliary_device_uninit(&l->adev);\n\tdevm_kfree(parent, l);\n\treturn -EIO;'), 'loo.c');
    expect(r.findings).toEqual([]);
    // The callback itself calls nothing of the bus, so only the note tells about it.
    expect(r.notAnalysed).toEqual([]);
    expect(r.assumptions.map((a) => a.text.split(':')[0])).toEqual(['release callback loo_release is in this file but could not be read']);
  });
});

describe('issue 14, modern kernel C: scopes, statement expressions and guards as C runs them', () => {
  const add = (body: string) => codes(`int foo_add(struct device *parent, struct foo **out)
{
	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
${body}
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	if (auxiliary_device_init(&f->adev)) {
		kfree(f);
		return -EINVAL;
	}
	*out = f;
	return 0;
}`);

  it('a __free variable is cleaned up where its block is left: at the goto that leaves it, and at its closing brace', async () => {
    const r = await add(`	{
		void *buf __free(kfree) = kzalloc(8, GFP_KERNEL);
		kfree(buf);
		if (foo_busy(parent))
			goto out;
	}
out:`);
    expect(r.notAnalysed).toEqual([]);
    // Line 10 is the goto, line 11 the block's closing brace: each leaves the block after the explicit kfree.
    expect(r.findings).toEqual(['10 double-free', '11 double-free']);
  });

  it('the cleanup runs at the end of the block, not at the return: a copy freed after the block is a double free there', async () => {
    const r = await add(`	void *saved;
	{
		void *buf __free(kfree) = kzalloc(8, GFP_KERNEL);
		saved = buf;
	}
	kfree(saved);`);
    expect(r.findings).toEqual(['11 double-free']);
  });

  it('break inside scoped_guard() leaves the guard, not the loop around it (the macro is a for of its own)', async () => {
    const r = await add(`	for (;;) {
		scoped_guard(mutex, &parent->mutex) {
			if (foo_busy(parent))
				break;
		}
		kfree(f);
		return -EIO;
	}
	return -EINVAL;`);
    expect(r.notAnalysed).toEqual([]);
    expect(r.findings).toEqual([]);
  });

  it('guard(mutex)(&f->lock) takes a lock the model does not follow: it keeps no pointer, so a leak after it is still one', async () => {
    const r = await add(`	guard(mutex)(&f->lock);
	if (foo_busy(parent))
		return -EBUSY;`);
    expect(r.findings).toEqual(['8 memory-leak']);
  });

  it('a statement expression where C may skip it (after &&) is not moved out: followed when it touches nothing the model follows, refused when it does', async () => {
    const quiet = await add(`	if (foo_busy(parent) && ({ int t = 1; t; }))
		f->port = 0;`);
    expect(quiet.notAnalysed).toEqual([]);
    expect(quiet.findings).toEqual([]);
    const freeing = await add(`	if (foo_busy(parent) && ({ kfree(f); 1; }))
		return -EIO;`);
    expect(freeing.findings).toEqual([]);
    expect(freeing.notAnalysed).toHaveLength(1);
    expect(freeing.notAnalysed[0]).toMatch(/^cannot follow "\{ kfree\(f\); 1; \}" at line \d+$/);
  });

  it("__free(name) calls what DEFINE_FREE(name, ...) says, the file's own included; a class nobody defines keeps the pointer and frees nothing", async () => {
    const own = await codes(`DEFINE_FREE(foo_free, struct foo *, if (_T) kfree(_T))
int foo_add(struct device *parent, struct foo **out)
{
	struct foo *f __free(foo_free) = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	if (auxiliary_device_init(&f->adev))
		return -EINVAL;
	*out = f;
	return 0;
}`);
    // The success path returns with the scope's kfree of the initialized device.
    expect(own.findings).toEqual(['13 free-after-init']);
    const unknown = await codes(`int foo_add(struct device *parent, struct foo **out)
{
	struct foo *f __free(foo_drop) = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	return -EINVAL;
}
int foo_probe(struct device *parent, struct foo **out)
{
	return foo_add(parent, out) ?: auxiliary_device_init(&(*out)->adev);
}`);
    expect(unknown.findings).toEqual([]);
  });
});
