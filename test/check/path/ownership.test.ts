import { describe, expect, it } from 'vitest';
import { checkSource } from '../../../src/check/index.js';
import { ownershipFindings, type FailureEnd } from '../../../src/check/path/ownership.js';

/** A function that takes over its caller's object on one error path must on every one (issue 14, ownership). */

const end = (line: number, freed: Array<[string, number]>): FailureEnd => ({ line, freed: new Map(freed), failing: null, steps: [] });

describe('ownershipFindings', () => {
  it('an error return that leaves unfreed what another error path freed is a memory-leak there, naming both places', () => {
    const f = ownershipFindings('add', [end(9, [['p', 7], ['p->res', 6]]), end(4, []), end(12, [['p', 11]])]);
    expect(f.map((x) => [x.code, x.line])).toEqual([['memory-leak', 4], ['memory-leak', 12]]);
    expect(f[0]!.message).toContain('add() returns an error here without freeing p (freed at line 7 on the error path that returns at line 9), p->res');
    expect(f[1]!.message).toContain('p->res (freed at line 6');
    expect(f[1]!.message).not.toContain('without freeing p (');
  });

  it('nothing when every error path frees the same, or none frees anything of the caller', () => {
    expect(ownershipFindings('add', [end(9, [['p', 7]]), end(4, [['p', 3]])])).toEqual([]);
    expect(ownershipFindings('add', [end(9, []), end(4, [])])).toEqual([]);
    expect(ownershipFindings('add', [])).toEqual([]);
  });
});

describe('the checker on ownership taken over on failure', () => {
  const body = (early: string) => `
#include <linux/auxiliary_bus.h>
struct w { struct auxiliary_device adev; struct res *r; };
static void w_release(struct device *dev) { kfree(container_of(dev, struct w, adev.dev)); }
int w_add(struct device *parent, struct w *p)
{
	if (!p->r)
${early}
	p->adev.name = "w";
	p->adev.dev.parent = parent;
	p->adev.dev.release = w_release;
	ret = auxiliary_device_init(&p->adev);
	if (ret) {
		kfree(p);
		return ret;
	}
	return 0;
}
`;

  it('an error before the take-over that keeps the object is found; freeing it there, or clearing a freed pointer, is not', async () => {
    const leaking = await checkSource(body('\t\treturn -EINVAL;'), 'w.c');
    expect(leaking.findings.map((f) => [f.code, f.at.line])).toEqual([['memory-leak', 8]]);
    const freeing = await checkSource(body('\t{ kfree(p); return -EINVAL; }'), 'w.c');
    expect(freeing.findings).toEqual([]);
  });

  it('a member freed and its pointer cleared is not taken over: the caller can see it', async () => {
    const src = `
#include <linux/auxiliary_bus.h>
struct w { struct auxiliary_device adev; struct res *r; };
int w_setup(struct w *p)
{
	int ret;

	p->r->state = 1;
	if (!p->r->ready) {
		kfree(p->r);
		p->r = NULL;
		return -EIO;
	}
	ret = auxiliary_device_init(&p->adev);
	if (ret < 0)
		return ret;
	return 0;
}
`;
    const r = await checkSource(src, 'w.c');
    expect(r.findings).toEqual([]);
    // The same without clearing the pointer: the caller holds a dangling p->r on one error and a live one on the other.
    const dangling = await checkSource(src.replace('\t\tp->r = NULL;\n', ''), 'w.c');
    expect(dangling.findings.map((f) => [f.code, f.at.line])).toEqual([['memory-leak', 15]]);
  });
});
