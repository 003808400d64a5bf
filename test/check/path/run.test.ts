import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../../src/check/index.js';

/**
 * Against path explosion (issue 14), src/check/path/run.ts: helpers that call nothing the model
 * follows run as summaries of their distinct outcomes (`callSameFile`), and a path that reaches a
 * state an earlier path was in ends there (`mergeKey`). The findings must be exactly those of
 * running every path whole with every helper inline, on far fewer paths.
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
    const r = await checkSource(HEAD + body, 't.c', { summaries, mergeStates: false, ...(maxPaths ? { maxPaths } : {}) });
    return { findings: r.findings.map((f) => `${f.at.line} ${f.code}`), notAnalysed: r.notAnalysed.map((n) => `${n.function}: ${n.reason}`), paths: r.paths };
  };
  return { on: await run(true), off: await run(false) };
};

/** The start of a create function: allocate, fill and init the device, unwinding a failed init right. */
const ALLOC_AND_INIT = `	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	if (auxiliary_device_init(&f->adev)) {
		kfree(f);
		return -EINVAL;
	}
`;

/** The rest of a create function whose add failure returns without uninit (B3, at the line marked leak). */
const CREATE_LEAKING_ON_ADD_FAILURE = `	f = kzalloc(sizeof(*f), GFP_KERNEL);
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
${CREATE_LEAKING_ON_ADD_FAILURE}`;
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
${ALLOC_AND_INIT}	if (foo_check(info)) {
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
${ALLOC_AND_INIT}	info->skip = 0;
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
    // The helper's summary gives up at the path whose add fails (it reads the freed container);
    // the function is explored again from the start with the helper inline: the paths before the
    // switch count too, and at most once more than inline alone.
    expect(r.on.paths).toBeGreaterThan(r.off.paths);
    expect(r.on.paths).toBeLessThanOrEqual(2 * r.off.paths);
  });

  it('§5 B3: paths that branched on what they do not keep meet again in one state and go on as one (state merging)', async () => {
    const reads = [1, 2, 3, 4, 5, 6].map((r) => `\tif (foo_read_reg(info, ${r}))\n\t\tdev_warn(info->dev, "register ${r} set\\n");`).join('\n');
    const body = `int foo_probe(struct device *parent, struct info *info)
{
	struct foo *f;
	int ret;
${reads}
${CREATE_LEAKING_ON_ADD_FAILURE}`;
    const merged = await checkSource(HEAD + body, 't.c', { mergeStates: true });
    const whole = await checkSource(HEAD + body, 't.c', { mergeStates: false });
    const line = lineOf(body, '/* leak */');
    expect(merged.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual([`${line} leak-initialized`]);
    expect(whole.findings.map((f) => `${f.at.line} ${f.code}`)).toEqual([`${line} leak-initialized`]);
    // Whole: 2^6 ways through the register reads, each with the 4 outcomes of the calls after.
    expect(whole.paths).toBeGreaterThanOrEqual(64 * 4);
    expect(merged.paths).toBeLessThan(40);
  });

  it('every file of the fixture corpus gives the same findings with summaries and merging as with every path run whole, every helper inline', async () => {
    const dir = join(import.meta.dirname, '../../fixtures/check/corpus');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.c'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      const plain = await checkSource(text, file, { summaries: false, mergeStates: false });
      for (const options of [{ summaries: true, mergeStates: false }, { summaries: false, mergeStates: true }, {}]) {
        const r = await checkSource(text, file, options);
        expect(r.findings.map((f) => `${f.at.line} ${f.code}`), `${file} ${JSON.stringify(options)}`).toEqual(plain.findings.map((f) => `${f.at.line} ${f.code}`));
        expect(r.notAnalysed, file).toEqual(plain.notAnalysed);
        expect(r.paths, file).toBeLessThanOrEqual(plain.paths);
      }
    }
  });

  it('summaries, mergeStates: anything but a boolean is a typed error', async () => {
    await expect(checkSource(HEAD, 't.c', { summaries: 'yes' as never })).rejects.toThrow(/summaries/);
    await expect(checkSource(HEAD, 't.c', { mergeStates: 1 as never })).rejects.toThrow(/mergeStates/);
  });
});

/**
 * The rest of a create function for device `i`, whose add failure returns without uninit (at the
 * line marked leak): the create above, with the id set from `i` and nothing after the add.
 */
const CREATE_NUMBERED = CREATE_LEAKING_ON_ADD_FAILURE
  .replace('\tf->adev.name = "foo";\n', '\tf->adev.name = "foo";\n\tf->adev.id = i;\n')
  .replace('\tinfo->adev = &f->adev;\n\treturn 0;\n}', '');
/**
 * The end of `foo_add_one` (the create above stores device `i` into the info) and a probe that
 * calls it for every port, doing `onError` with a failed one.
 */
const ADD_ALL = (onError: string) => `	info->ports[i] = f;
	return 0;
}
int foo_probe_all(struct device *parent, struct info *info)
{
	int i, ret;
	for (i = 0; i < info->nports; i++) {
		ret = foo_add_one(parent, info, i);
		if (ret)
			${onError}
	}
	return 0;
}`;
const codes = (r: { findings: Array<{ at: { line: number }; code: string }> }) => r.findings.map((f) => `${f.at.line} ${f.code}`);

describe('loops over helpers that add devices (issue 14: real kernel functions within the bounds)', () => {
  it('§5 B3: paths meet again inside a helper run inline in a loop: the finding in the loop is found, within a bound whole runs reach', async () => {
    const reads = [1, 2, 3, 4].map((r) => `\tif (foo_read_reg(info, ${r}))\n\t\tdev_warn(parent, "register ${r} set\\n");`).join('\n');
    const body = `static int foo_add_one(struct device *parent, struct info *info, int i)
{
	struct foo *f;
	int ret;
${reads}
${CREATE_NUMBERED}${ADD_ALL('return ret;')}`;
    const leak = [`${lineOf(body, '/* leak */')} leak-initialized`];
    const whole = await checkSource(HEAD + body, 't.c', { mergeStates: false, summaries: false });
    expect(codes(whole)).toEqual(leak);
    expect(whole.notAnalysed).toEqual([]);
    // 30 paths: the 2^4 register reads inside the helper meet again after each read, on each turn
    // of the loop (merging only in the function itself needs more than 100).
    const bounded = await checkSource(HEAD + body, 't.c', { maxPaths: 30 });
    expect(codes(bounded)).toEqual(leak);
    expect(bounded.notAnalysed).toEqual([]);
    expect(bounded.paths * 10).toBeLessThan(whole.paths);
  });

  it('§5 B3: a loop that waits (while (1) until a break on what the path cannot know) ends where a turn comes back to a state met on an earlier turn; the finding after it is found', async () => {
    const body = `int foo_create(struct device *parent, struct info *info)
{
	struct foo *f;
	int i = 0, ret;
	while (1) {
		if (foo_poll(info))
			break;
		dev_warn(parent, "not ready\\n");
	}
${CREATE_NUMBERED}	info->adev = &f->adev;
	return 0;
}`;
    const leak = [`${lineOf(body, '/* leak */')} leak-initialized`];
    const merged = await checkSource(HEAD + body, 't.c');
    expect(codes(merged)).toEqual(leak);
    expect(merged.notAnalysed).toEqual([]);
    // Run whole, a path that never breaks stops like a loop of unknown count: it could have left
    // on an earlier turn by a choice, so a turn past UNKNOWN_LOOP_BOUND ends it (no cut, no bound).
    const whole = await checkSource(HEAD + body, 't.c', { mergeStates: false });
    expect(codes(whole)).toEqual(leak);
    expect(whole.notAnalysed).toEqual([]);
  });

  it('§5 B3: a loop that goes on while its test holds but that a path could leave by a choice runs the unknown-loop bound; one that leaves on a known count runs it', async () => {
    // Each turn adds a device until the helper of another file says stop: the turns multiply the
    // devices, so 64 of them would never end; like an unknown loop it runs 0, 1 or 2 turns.
    const adds = `int foo_create(struct device *parent, struct info *info)
{
	struct foo *f;
	int i = 0, ret;
	for (;;) {
		if (!foo_more(info))
			break;
${CREATE_NUMBERED}		info->ports[i++] = f;
	}
	return 0;
}`;
    const r = await checkSource(HEAD + adds, 't.c');
    expect(r.notAnalysed).toEqual([]);
    expect(codes(r)).toEqual([`${lineOf(adds, '/* leak */')} leak-initialized`]);
    // A loop that leaves only on a count the path knows runs every turn: the leak on the fifth is found.
    const counted = `int foo_create(struct device *parent, struct info *info)
{
	struct foo *f;
	int i = 0, ret;
	for (;;) {
		if (i == 4) {
${CREATE_NUMBERED}		info->ports[i] = f;
		}
		if (i == 5)
			break;
		i++;
	}
	return 0;
}`;
    const c = await checkSource(HEAD + counted, 't.c');
    expect(c.notAnalysed).toEqual([]);
    expect(codes(c)).toEqual([`${lineOf(counted, '/* leak */')} leak-initialized`]);
  });

  it('§5 B3: a variable no path reads again (a mode logged once) does not keep paths apart: they meet right after its last read', async () => {
    const modes = [1, 2, 3, 4, 5, 6].map((r) => `\tif (foo_read_reg(info, ${r}))\n\t\tmode = ${r};\n\telse\n\t\tmode = 0;\n\tdev_dbg(parent, "mode %d\\n", mode);`).join('\n');
    const body = `int foo_create(struct device *parent, struct info *info)
{
	struct foo *f;
	int ret, mode, i = 0;
${modes}
${CREATE_NUMBERED}	info->adev = &f->adev;
	return 0;
}`;
    const leak = [`${lineOf(body, '/* leak */')} leak-initialized`];
    const whole = await checkSource(HEAD + body, 't.c', { mergeStates: false });
    expect(codes(whole)).toEqual(leak);
    // Each mode, once logged, is dead: the two ways of each read meet at the next join (kept
    // apart by the dead value, the paths are 18; run whole, 2^6 * 4).
    const merged = await checkSource(HEAD + body, 't.c', { maxPaths: 12 });
    expect(codes(merged)).toEqual(leak);
    expect(merged.notAnalysed).toEqual([]);
    expect(whole.paths).toBe(256);
  });

  it('a flag the code just set (x |= FLAG) is set when tested through the same value: no finding on the branch it cannot take; cleared (x &= ~FLAG), the branch is taken and its finding kept', async () => {
    const create = (store: string) => `int foo_create(struct device *parent, struct info *info)
{
	struct foo *f;
	int i = 0, ret;
	${store};
${CREATE_NUMBERED}	if (!(info->flags & FOO_LIVE)) {
		auxiliary_device_delete(&f->adev);
		kfree(f); /* free */
		return -ENODEV;
	}
	info->adev = &f->adev;
	return 0;
}`;
    const set = create('info->flags |= FOO_LIVE');
    const leak = `${lineOf(set, '/* leak */')} leak-initialized`;
    expect(codes(await checkSource(HEAD + set, 't.c'))).toEqual([leak]);
    expect(codes(await checkSource(HEAD + create('info->flags = FOO_LIVE'), 't.c'))).toEqual([leak]);
    const cleared = create('info->flags &= ~FOO_LIVE');
    expect(codes(await checkSource(HEAD + cleared, 't.c'))).toEqual([leak, `${lineOf(cleared, '/* free */')} free-after-init`]);
  });
});

describe('what cannot change a finding is not part of the merge key (issue 14: real kernel functions within the bounds)', () => {
  it('§5 B3: allocations a failed turn freed (one, two, three or four, each its own way) and the devices\' handles do not keep the next turns apart; the leak in the loop is found within a bound the paths exceeded before', async () => {
    const body = `static int foo_add_one(struct device *parent, struct info *info, int i)
{
	struct foo *f;
	char *a, *b, *c, *d;
	int ret = -ENOMEM;

	a = kzalloc(64, GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	b = kzalloc(64, GFP_KERNEL);
	if (!b)
		goto free_a;
	c = kzalloc(64, GFP_KERNEL);
	if (!c)
		goto free_b;
	d = kzalloc(64, GFP_KERNEL);
	if (!d)
		goto free_c;
	ret = foo_read_table(info, i, a, b, c, d);
	kfree(d);
free_c:
	kfree(c);
free_b:
	kfree(b);
free_a:
	kfree(a);
	if (ret)
		return ret;
${CREATE_NUMBERED}${ADD_ALL('dev_warn(parent, "port %d: %d\\n", i, ret);')}`;
    const leak = [`${lineOf(body, '/* leak */')} leak-initialized`];
    const whole = await checkSource(HEAD + body, 't.c', { mergeStates: false, summaries: false });
    expect(codes(whole)).toEqual(leak);
    expect(whole.paths).toBe(100);
    // Every failed turn leaves the same live state (what it freed is gone for good): 46 paths.
    // Told apart by the freed allocations and by handles counting them, they were 91.
    const merged = await checkSource(HEAD + body, 't.c', { maxPaths: 60 });
    expect(codes(merged)).toEqual(leak);
    expect(merged.notAnalysed).toEqual([]);
    expect(merged.paths).toBeLessThanOrEqual(46);
  });

  it('§5 B3: a container member no code reads and a flag no code tests do not keep paths apart, as a dead variable does not', async () => {
    const modes = [1, 2, 3, 4].map((r) => `\tif (foo_read_reg(info, ${r})) {\n\t\tf->port = ${r};\n\t\tinfo->mode = FOO_MODE_${r};\n\t}`).join('\n');
    const body = `int foo_create(struct device *parent, struct info *info)
{
	struct foo *f;
	int ret;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
${modes}
	dev_dbg(parent, "mode %x\\n", info->mode);
${CREATE_LEAKING_ON_ADD_FAILURE.slice(CREATE_LEAKING_ON_ADD_FAILURE.indexOf('\tf->adev.name'))}`;
    const leak = [`${lineOf(body, '/* leak */')} leak-initialized`];
    const whole = await checkSource(HEAD + body, 't.c', { mergeStates: false, summaries: false });
    expect(codes(whole)).toEqual(leak);
    // `port` is only stored (its value in the device's container was kept: 22 paths), `mode` is
    // read but never tested against FOO_MODE_n (what a path knew of those flags was kept): 13 now.
    const merged = await checkSource(HEAD + body, 't.c', { maxPaths: 16 });
    expect(codes(merged)).toEqual(leak);
    expect(merged.notAnalysed).toEqual([]);
    expect(merged.paths * 3).toBeLessThan(whole.paths);
    // Tested, the flag is kept: the branch the path cannot take is not explored (no false finding).
    const tested = body.replace('\tdev_dbg(parent, "mode %x\\n", info->mode);', '\tif (info->mode & FOO_MODE_1)\n\t\tdev_dbg(parent, "mode 1\\n");');
    expect(codes(await checkSource(HEAD + tested, 't.c'))).toEqual(codes(await checkSource(HEAD + tested, 't.c', { mergeStates: false, summaries: false })));
  });
});

/**
 * A same-file helper's failure value, derived from its `return` statements (path/conventions.ts),
 * judged where its caller tests what it returned (path/contracts.ts, §5 B20): only on a path where
 * the helper failed and the test let the failure through.
 */
describe('return conventions of same-file helpers (issue 14, kernel-auxbus.md §5 B20)', () => {
  /** A helper that allocates and inits a foo, failing with `fail` (a C return expression) at both steps. */
  const helper = (fail: string) => `static struct foo *foo_make(struct device *parent)
{
	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return ${fail};
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	if (auxiliary_device_init(&f->adev)) {
		kfree(f);
		return ${fail};
	}
	return f;
}
`;
  /** A caller that tests the helper's result with `test` and otherwise adds the device. */
  const caller = (test: string) => `int foo_plug(struct device *parent, struct foo **out)
{
	struct foo *f = foo_make(parent);
	if (${test}) /* the test */
		return -ENOMEM;
	if (auxiliary_device_add(&f->adev)) {
		auxiliary_device_uninit(&f->adev);
		return -EIO;
	}
	*out = f;
	return 0;
}
`;
  const check = async (body: string) => {
    const r = await checkSource(HEAD + body, 't.c');
    expect(r.notAnalysed).toEqual([]);
    return r;
  };

  it('a helper whose failure returns are NULL returns NULL: IS_ERR() in its caller lets the failure through, a NULL test does not', async () => {
    const body = helper('NULL') + caller('IS_ERR(f)');
    const r = await check(body);
    expect(codes(r)).toEqual([`${lineOf(body, '/* the test */')} wrong-error-check`]);
    expect(r.findings[0]!.message).toContain('foo_make() returns NULL on failure');
    expect(r.findings[0]!.message).toMatch(/derived from foo_make\(\): its failure returns \(lines \d+, \d+\) are NULL/);
    expect(codes(await check(helper('NULL') + caller('!f')))).toEqual([]);
  });

  it('a helper whose failure returns are ERR_PTR() returns an error pointer: a NULL test alone lets it through, IS_ERR() does not', async () => {
    const body = helper('ERR_PTR(-ENOMEM)') + caller('!f');
    const r = await check(body);
    expect(codes(r)).toEqual([`${lineOf(body, '/* the test */')} wrong-error-check`]);
    expect(r.findings[0]!.message).toContain('foo_make() returns an error pointer (ERR_PTR) on failure');
    expect(codes(await check(helper('ERR_PTR(-ENOMEM)') + caller('IS_ERR(f)')))).toEqual([]);
    expect(codes(await check(helper('ERR_PTR(-ENOMEM)') + caller('IS_ERR_OR_NULL(f)')))).toEqual([]);
  });

  it('a helper that returns NULL for one failure and ERR_PTR() for another has no single convention: neither test alone is judged', async () => {
    const mixed = helper('NULL').replace('\t\treturn NULL;\n\t}\n\treturn f;', '\t\treturn ERR_PTR(-EINVAL);\n\t}\n\treturn f;');
    expect(mixed).toContain('ERR_PTR(-EINVAL)');
    expect(codes(await check(mixed + caller('IS_ERR(f)')))).toEqual([]);
    expect(codes(await check(mixed + caller('!f')))).toEqual([]);
  });

  it('a helper that returns what kzalloc() returned takes kzalloc\'s convention: IS_ERR() on it lets the failure through', async () => {
    // `return kzalloc(...)`: a failure return of a NULL-returning call, so the helper's convention is NULL.
    const direct = 'static struct foo *foo_make(struct device *parent)\n{\n\treturn kzalloc(sizeof(struct foo), GFP_KERNEL);\n}\n' + caller('IS_ERR(f)');
    const r = await check(direct);
    expect(codes(r)).toContain(`${lineOf(direct, '/* the test */')} wrong-error-check`);
    expect(r.findings.find((f) => f.code === 'wrong-error-check')!.message).toMatch(/foo_make\(\) returns NULL on failure, not an error pointer \(derived from foo_make\(\): its failure returns \(line \d+\) are NULL\)/);
    // `return f`: no failure return of its own; the value keeps kzalloc's origin through it.
    const through = 'static struct foo *foo_make(struct device *parent)\n{\n\tstruct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);\n\treturn f;\n}\n' + caller('IS_ERR(f)');
    const t = await check(through);
    expect(codes(t)).toContain(`${lineOf(through, '/* the test */')} wrong-error-check`);
    expect(t.findings.find((f) => f.code === 'wrong-error-check')!.message).toContain('kzalloc() returns NULL on failure, not an error pointer (mm/slub.c');
  });

  it('a function of another file is never guessed: neither IS_ERR() nor a NULL test of what it returned is judged', async () => {
    // The device comes from the other file and this one assigns no release: missing-release is
    // the model's (at the uninit), the test's line has nothing.
    const body = caller('IS_ERR(f)').replace('foo_make(parent)', 'foo_lookup(parent)');
    const judged = (r: Awaited<ReturnType<typeof check>>) => r.findings.filter((f) => f.code === 'wrong-error-check');
    expect(judged(await check(body))).toEqual([]);
    expect(judged(await check(body.replace('IS_ERR(f)', '!f')))).toEqual([]);
    expect(judged(await check(helper('NULL') + caller('IS_ERR(f)')))).toHaveLength(1);
  });

  it('a later right test of the same value on the path catches what IS_ERR() let through: no finding', async () => {
    const body = helper('NULL') + caller('IS_ERR(f)').replace('\tif (auxiliary_device_add', '\tif (!f)\n\t\treturn -ENOMEM;\n\tif (auxiliary_device_add');
    expect(body).toContain('if (!f)');
    expect(codes(await check(body))).toEqual([]);
  });
});

describe('aloof helpers run as functions of another file (issue 14: real kernel functions within the bounds)', () => {
  // A context the probe sets up through helpers that never touch a device (mana's queues and
  // ports): each such helper, handed nothing that holds a device, is run as another file's.
  const CTX = `struct ctx { void *queue; int n; };
static int ctx_setup(struct ctx *c)
{
	c->queue = kzalloc(64, GFP_KERNEL);
	if (!c->queue)
		return -ENOMEM;
	c->n = 1;
	return 0;
}
`;

  it('§5 B3: what an aloof helper stored is unknown to its caller afterwards (not the zero kzalloc() left): the device made only when it set it up is judged', async () => {
    const body = `${CTX}int foo_create(struct device *parent, struct info *info)
{
	struct ctx *c;
	struct foo *f;
	int ret;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	ret = ctx_setup(c);
	if (ret)
		return ret; /* ctx leak */
	if (c->queue) {
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
	}
	info->ctx = c;
	return 0;
}`;
    const r = await checkSource(HEAD + body, 't.c');
    expect(r.notAnalysed).toEqual([]);
    // c was handed to ctx_setup(), which may have kept it (as a function of another file may):
    // its return is not a leak; the device's add failure is.
    expect(codes(r)).toEqual([`${lineOf(body, '/* leak */')} leak-initialized`]);
  });

  it('§5 B18: a helper that only frees is run inline where it is handed an object holding a device: the free outside the release is found', async () => {
    const body = `static void foo_free(struct foo *f)
{
	kfree(f);
}
int foo_create(struct device *parent, struct info *info)
{
	struct foo *f;
	int ret;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->adev.name = "foo";
	f->adev.dev.parent = parent;
	f->adev.dev.release = foo_release;
	ret = auxiliary_device_init(&f->adev);
	if (ret) {
		foo_free(f);
		return ret;
	}
	ret = auxiliary_device_add(&f->adev);
	if (ret) {
		auxiliary_device_uninit(&f->adev);
		foo_free(f); /* twice */
		return ret;
	}
	info->adev = &f->adev;
	return 0;
}`;
    const r = await checkSource(HEAD + body, 't.c');
    expect(r.notAnalysed).toEqual([]);
    // The release kfree()d f at the uninit: foo_free() frees it again (at its kfree, line 3 of the body).
    expect(codes(r)).toEqual([`${lineOf(body, 'kfree(f);')} double-free`]);
  });
});

describe('devices settled on the bus leave the merge key (issue 14: intel_vsec\'s three walks within the bounds)', () => {
  // A probe that runs three capability walks in a row (the last behind `info->legacy &&`), each
  // adding a devres-held device per capability on up to two turns. A device added whose port is
  // above 8 gets a release that frees its id but not its container: leaked when its last
  // reference drops, after an add failure or at the parent's unbind.
  const SRC = `#include <linux/auxiliary_bus.h>
struct foo { struct auxiliary_device adev; int port; };
static DEFINE_IDA(foo_ida);
static void foo_release(struct device *dev)
{
	struct foo *f = container_of(dev, struct foo, adev.dev);
	ida_free(&foo_ida, f->adev.id);
	kfree(f);
}
static void foo_release_quiet(struct device *dev)
{
	struct foo *f = container_of(dev, struct foo, adev.dev);
	ida_free(&foo_ida, f->adev.id);
}
static void foo_remove(void *data)
{
	struct foo *f = data;
	auxiliary_device_delete(&f->adev);
	auxiliary_device_uninit(&f->adev);
}
static int foo_add(struct device *parent, struct info *info, int port)
{
	struct foo *f;
	int ret;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	ret = ida_alloc(&foo_ida, GFP_KERNEL);
	if (ret < 0) {
		kfree(f);
		return ret;
	}
	f->adev.id = ret;
	f->adev.name = "foo";
	f->port = port;
	f->adev.dev.parent = parent;
	f->adev.dev.release = port > 8 ? foo_release_quiet : foo_release;
	ret = auxiliary_device_init(&f->adev);
	if (ret) {
		ida_free(&foo_ida, f->adev.id);
		kfree(f);
		return ret;
	}
	ret = auxiliary_device_add(&f->adev);
	if (ret) {
		auxiliary_device_uninit(&f->adev);
		return ret; /* leak on add failure */
	}
	return devm_add_action_or_reset(parent, foo_remove, f); /* leak at unbind */
}
static bool foo_walk(struct device *parent, struct info *info, int kind)
{
	bool found = false;
	int pos = 0;

	do {
		pos = foo_next_cap(info, pos, kind);
		if (!pos)
			break;
		if (foo_add(parent, info, pos))
			continue;
		found = true;
	} while (true);
	return found;
}
int foo_probe(struct device *parent, struct info *info)
{
	bool found = false;

	if (foo_walk(parent, info, 1))
		found = true;
	if (foo_walk(parent, info, 2))
		found = true;
	if (info->legacy && foo_walk(parent, info, 3))
		found = true;
	return found ? 0 : -ENODEV;
}
`;
  const at = (marker: string) => SRC.split('\n').findIndex((l) => l.includes(marker)) + 1;

  it('§5 B3: the findings of every path run whole, within 400 paths a function (run whole, the probe takes 14,752)', async () => {
    const expected = [`${at('leak on add failure')} memory-leak`, `${at('leak at unbind')} memory-leak`];
    const whole = await checkSource(SRC, 't.c', { mergeStates: false, summaries: false, maxPaths: 20_000 });
    expect(codes(whole)).toEqual(expected);
    expect(whole.notAnalysed).toEqual([]);
    // 307 paths for the probe. Each of these alone takes it past 400 (measured): a call that is
    // the last operand of `&&` in a test not merging inside (787), the walks' settled devices kept
    // in the key (734), their unbind not judged where a path carrying them is cut (575).
    const merged = await checkSource(SRC, 't.c', { maxPaths: 400 });
    expect(codes(merged)).toEqual(expected);
    expect(merged.notAnalysed).toEqual([]);
  });

  it('§5 B3: a device whose unbind runs a test is judged at the end of a path, never where one is cut: the same findings as run whole', async () => {
    // The devres action tests what the device holds: its unbind can go two ways, so a path
    // carrying one goes on to its own end (settled.ts `branchless`).
    const branching = SRC.replace('\tauxiliary_device_delete(&f->adev);\n', '\tif (f->port)\n\t\tauxiliary_device_delete(&f->adev);\n');
    const whole = await checkSource(branching, 't.c', { mergeStates: false, summaries: false, maxPaths: 40_000 });
    const merged = await checkSource(branching, 't.c');
    expect(codes(merged)).toEqual(codes(whole));
    expect(codes(merged)).toContain(`${at('leak at unbind') + 1} memory-leak`);
    expect(merged.notAnalysed).toEqual([]);
  });
});
