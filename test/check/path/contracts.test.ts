import { describe, expect, it } from 'vitest';
import { checkSource } from '../../../src/check/index.js';

/**
 * What the checker judges without a machine on a NULL pointer (src/check/path/contracts.ts,
 * kernel-auxbus.md §5 B21): only where the path knows the pointer is NULL, never guessed.
 */

/** A struct with a child device pointer, a teardown helper, and a setup that may unwind through it before the child is made. */
const file = (alloc: string, between: string, teardown: string) => `
#include <linux/auxiliary_bus.h>
struct lark { struct device *dev; struct auxiliary_device *ctl; struct auxiliary_device *mon; };
int lark_hw_init(struct device *dev);
void lark_fill(struct lark *l);
static void lark_remove(struct lark *l)
{
	${teardown} /* teardown */
	auxiliary_device_destroy(l->ctl);
}
int lark_setup(struct device *dev)
{
	struct lark *l = ${alloc}(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->ctl = auxiliary_device_create(dev, KBUILD_MODNAME, "ctl", NULL, 0);
	if (!l->ctl) {
		kfree(l);
		return -ENOMEM;
	}
	${between}
	if (lark_hw_init(dev))
		goto err;
	return 0;
err:
	lark_remove(l);
	kfree(l);
	return -EIO;
}
`;
const lineOf = (text: string, marker: string) => text.split('\n').findIndex((l) => l.includes(marker)) + 1;
const found = async (text: string) => {
  const r = await checkSource(text, 't.c');
  expect(r.notAnalysed).toEqual([]);
  return r.findings.filter((f) => f.code === 'null-device' || f.code === 'null-dereference').map((f) => `${f.at.line} ${f.code}`);
};

describe('a NULL device given to delete/uninit/destroy (§5 B21, null-device)', () => {
  it('a member of a kzalloc()ed struct never set is NULL: its destroy is the finding, at the call, naming the allocation that zeroed it', async () => {
    const text = file('kzalloc', '', 'auxiliary_device_destroy(l->mon);');
    expect(await found(text)).toEqual([`${lineOf(text, '/* teardown */')} null-device`]);
    const r = await checkSource(text, 't.c');
    expect(r.findings.find((f) => f.code === 'null-device')!.message).toContain('l->mon was never set (kzalloc() at line 13 zeroed it)');
  });

  it('never guessed: kmalloc()ed memory holds garbage, not NULL; a struct handed to a function of another file may have been filled in there', async () => {
    expect(await found(file('kmalloc', '', 'auxiliary_device_destroy(l->mon);'))).toEqual([]);
    // Copied into a variable first, the garbage is still not a NULL the path knows; the zeroed member is.
    const copied = 'struct auxiliary_device *m = l->mon;\n\tauxiliary_device_destroy(m);';
    expect(await found(file('kmalloc', '', copied))).toEqual([]);
    expect(await found(file('kzalloc', '', copied))).toHaveLength(1);
    expect(await found(file('kzalloc', 'lark_fill(l);', 'auxiliary_device_destroy(l->mon);'))).toEqual([]);
  });

  it('put_device(NULL) does nothing (drivers/base/core.c put_device), and a tested member is not handed on: no finding', async () => {
    expect(await found(file('kzalloc', '', 'put_device(&l->mon->dev);'))).toEqual([]);
    expect(await found(file('kzalloc', '', 'if (l->mon)\n\t\tauxiliary_device_destroy(l->mon);'))).toEqual([]);
  });
});

describe('a NULL member dereferenced by the release of a half-built device (§5 B21, null-dereference)', () => {
  const robin = (release: string) => `
#include <linux/auxiliary_bus.h>
struct ring { void *desc; };
struct robin { struct auxiliary_device adev; struct ring *ring; };
static void robin_release(struct device *dev)
{
	struct robin *r = container_of(dev, struct robin, adev.dev);
	${release}
	kfree(r);
}
int robin_add(struct device *parent, struct robin **out)
{
	struct robin *r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->adev.name = "ring";
	r->adev.dev.parent = parent;
	r->adev.dev.release = robin_release;
	if (auxiliary_device_init(&r->adev)) {
		kfree(r);
		return -EIO;
	}
	r->ring = kzalloc(sizeof(*r->ring), GFP_KERNEL);
	if (!r->ring) {
		auxiliary_device_uninit(&r->adev); /* the put */
		return -ENOMEM;
	}
	*out = r;
	return 0;
}
`;

  it('a load through the NULL member in the release is reported at the put that ran it; kfree() of the member itself is not (kfree(NULL) is a no-op)', async () => {
    const bad = robin('kfree(r->ring->desc);\n\tkfree(r->ring);');
    expect(await found(bad)).toEqual([`${lineOf(bad, '/* the put */')} null-dereference`]);
    expect(await found(robin('kfree(r->ring);'))).toEqual([]);
    expect(await found(robin('if (r->ring)\n\t\tkfree(r->ring->desc);\n\tkfree(r->ring);'))).toEqual([]);
  });

  it('a store through it is one too, and so is the NULL the failed kzalloc() stored there', async () => {
    const bad = robin('r->ring->desc = NULL;\n\tkfree(r->ring);');
    expect(await found(bad)).toEqual([`${lineOf(bad, '/* the put */')} null-dereference`]);
    const r = await checkSource(bad, 't.c');
    expect(r.findings.find((f) => f.code === 'null-dereference')!.message).toContain('kzalloc() failed at line');
  });
});
