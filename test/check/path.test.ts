import { describe, expect, it } from 'vitest';
import { checkSource } from '../../src/check/index.js';

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

  it('a release callback defined in another file: not analysed, never guessed', async () => {
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
    expect(r.findings).toEqual([]);
    expect(r.notAnalysed).toEqual(['the release callback (other_release) is not defined in this file']);
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
    // a_release frees the container, so a kfree after the uninit is a double free with it;
    // b_release frees nothing, so with it the kfree is what frees the memory.
    const r = await checkSource(file('\tauxiliary_device_delete(adev);\n\tauxiliary_device_uninit(adev);\n\tkfree(adev);'), 'x.c');
    expect(r.notAnalysed).toEqual([]);
    expect(r.findings).toEqual([]);
  });
});
