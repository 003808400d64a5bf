/**
 * The fixed C part of a generated suite: the container, the drivers, the callbacks that record
 * what the kernel calls, and the helpers that compare a step's outcome with the model's. The
 * cases (emit.ts) only call the kernel and these helpers, so each case reads as its path.
 */

/** Upper bounds the harness is compiled with; the generator refuses worlds beyond them. */
export const HARNESS_LIMITS = { slots: 6, drivers: 3 } as const;

/** The harness, for a suite of the given name (a C identifier) and module name. */
export function harnessC(modname: string): string {
  return String.raw`#include <kunit/test.h>
#include <linux/auxiliary_bus.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#define AMT_MOD "${modname}"
#define AMT_SLOTS ${HARNESS_LIMITS.slots}
#define AMT_DRIVERS ${HARNESS_LIMITS.drivers}

/* What the world's release callback does (the model's ReleaseBehaviour). */
#define AMT_HAS_RELEASE		BIT(0)
#define AMT_RELEASE_FREES_BOX	BIT(1)
#define AMT_RELEASE_FREES_ID	BIT(2)
/* A call the release makes on its own device first (a bug the model names use-after-release). */
#define AMT_RELEASE_CALL(n)	((n) << 8)
enum {
	AMT_CALL_NONE,
	AMT_CALL_GET,
	AMT_CALL_PUT,
	AMT_CALL_UNINIT,
	AMT_CALL_DELETE,
	AMT_CALL_INIT,
	AMT_CALL_ADD,
	AMT_CALL_WRITE_ID,
	AMT_CALL_SET_RELEASE,
	AMT_CALL_DEVM_KFREE,
};

struct amt_ctx;

/* The driver's container of the auxiliary device. */
struct amt_box {
	struct auxiliary_device adev;
	struct amt_ctx *ctx;
	int slot;
	bool devm;
};

struct amt_driver {
	struct auxiliary_driver drv;
	struct amt_ctx *ctx;
	int index;
	int probe_ret;
};

/* One case's world: kept outside the containers, so it can be read after they are freed. */
struct amt_ctx {
	struct kunit *test;
	struct device *parent;
	struct ida ida;
	int ida_min, ida_max;
	unsigned int release;
	struct amt_box *box[AMT_SLOTS];
	int id[AMT_SLOTS];
	int released[AMT_SLOTS];
	/* Signalled by each release: a deferred one (CONFIG_DEBUG_KOBJECT_RELEASE) is awaited, never guessed. */
	struct completion release_done[AMT_SLOTS];
	struct amt_driver drv[AMT_DRIVERS];
	bool drv_registered[AMT_DRIVERS];
	/* A violation case: its world is left as the misuse left it, nothing is torn down. */
	bool broken;
	char calls[256];
	int step;
};

static const char * const amt_driver_names[AMT_DRIVERS] = { "drv0", "drv1", "drv2" };

static const struct auxiliary_device_id amt_id_table[] = {
	{ .name = AMT_MOD ".dev" },
	{ }
};

static __printf(2, 3) void amt_call(struct amt_ctx *c, const char *fmt, ...)
{
	size_t len = strlen(c->calls);
	va_list args;

	va_start(args, fmt);
	vscnprintf(c->calls + len, sizeof(c->calls) - len, fmt, args);
	va_end(args);
}

static int amt_probe(struct auxiliary_device *adev, const struct auxiliary_device_id *id)
{
	struct amt_driver *d = container_of(adev->dev.driver, struct amt_driver, drv.driver);
	struct amt_box *box = container_of(adev, struct amt_box, adev);

	amt_call(d->ctx, "probe(dev%d, drv%d) = %d; ", box->slot, d->index, d->probe_ret);
	return d->probe_ret;
}

static void amt_remove(struct auxiliary_device *adev)
{
	struct amt_driver *d = container_of(adev->dev.driver, struct amt_driver, drv.driver);
	struct amt_box *box = container_of(adev, struct amt_box, adev);

	amt_call(d->ctx, "remove(dev%d, drv%d); ", box->slot, d->index);
}

/* The release callback: the only place the container may be freed once init succeeded. */
static void amt_release(struct device *dev)
{
	struct amt_box *box = container_of(to_auxiliary_dev(dev), struct amt_box, adev);
	struct amt_ctx *c = box->ctx;
	int slot = box->slot;

	amt_call(c, "release(dev%d); ", slot);
	c->released[slot]++;
	if ((c->release & AMT_RELEASE_FREES_ID) && c->id[slot] >= 0)
		ida_free(&c->ida, box->adev.id);
	switch (c->release >> 8) {
	case AMT_CALL_GET:
		get_device(dev);
		break;
	case AMT_CALL_PUT:
		put_device(dev);
		break;
	case AMT_CALL_UNINIT:
		auxiliary_device_uninit(&box->adev);
		break;
	case AMT_CALL_DELETE:
		auxiliary_device_delete(&box->adev);
		break;
	case AMT_CALL_INIT:
		auxiliary_device_init(&box->adev);
		break;
	case AMT_CALL_ADD:
		__auxiliary_device_add(&box->adev, AMT_MOD);
		break;
	case AMT_CALL_WRITE_ID:
		WRITE_ONCE(box->adev.id, c->id[slot] < 0 ? 0 : c->id[slot]);
		break;
	case AMT_CALL_SET_RELEASE:
		dev->release = amt_release;
		break;
	case AMT_CALL_DEVM_KFREE:
		/* Only what devres holds: of kzalloc() memory devm_kfree() WARNs and frees nothing. */
		if (box->devm)
			devm_kfree(c->parent, box);
		break;
	}
	if (c->release & AMT_RELEASE_FREES_BOX)
		kfree(box);
	complete(&c->release_done[slot]);
}

/*
 * The model says this step ran slot's release: at once in a kernel that releases at the last put,
 * up to 4 s later with CONFIG_DEBUG_KOBJECT_RELEASE. A bounded wait, reported if it runs out.
 */
static void amt_wait_release(struct amt_ctx *c, int slot)
{
	if (!wait_for_completion_timeout(&c->release_done[slot], 10 * HZ))
		KUNIT_FAIL(c->test, "step %d: dev%d's release did not run within 10 s", c->step, slot);
}

static int amt_driver_register(struct amt_ctx *c, int i)
{
	int ret = __auxiliary_driver_register(&c->drv[i].drv, THIS_MODULE, AMT_MOD);

	c->drv_registered[i] = !ret;
	return ret;
}

static void amt_driver_unregister(struct amt_ctx *c, int i)
{
	auxiliary_driver_unregister(&c->drv[i].drv);
	c->drv_registered[i] = false;
}

#define AMT_NO_PROBE	0
#define AMT_NO_ID_TABLE	1

/* Registers driver i with its probe or its id_table left out, for this call only (§1.9). */
static int amt_driver_register_without(struct amt_ctx *c, int i, int missing)
{
	struct auxiliary_driver *drv = &c->drv[i].drv;
	int ret;

	if (missing == AMT_NO_PROBE)
		drv->probe = NULL;
	else
		drv->id_table = NULL;
	ret = __auxiliary_driver_register(drv, THIS_MODULE, AMT_MOD);
	drv->probe = amt_probe;
	drv->id_table = amt_id_table;
	if (!ret)
		c->drv_registered[i] = true;
	return ret;
}

/*
 * Registers driver i under driver as's name (the bus's name is built at register time, so the
 * name is given back at once).
 */
static int amt_driver_register_as(struct amt_ctx *c, int i, int as)
{
	struct auxiliary_driver *drv = &c->drv[i].drv;
	int ret;

	drv->name = amt_driver_names[as];
	ret = __auxiliary_driver_register(drv, THIS_MODULE, AMT_MOD);
	drv->name = amt_driver_names[i];
	if (!ret)
		c->drv_registered[i] = true;
	return ret;
}

/*
 * Where the kernel's state is not the model's (a disagreement, already reported), undo what can
 * be seen, so that the next case starts from a clean bus: devices still registered are deleted
 * and their init reference dropped, drivers unregistered. Nothing here decides an outcome.
 */
static void amt_salvage(struct amt_ctx *c)
{
	int i;

	for (i = 0; i < AMT_SLOTS; i++) {
		struct amt_box *box = c->box[i];

		if (!box || c->released[i])
			continue;
		c->box[i] = NULL;
		if (device_is_registered(&box->adev.dev))
			auxiliary_device_delete(&box->adev);
		if (kref_read(&box->adev.dev.kobj.kref))
			auxiliary_device_uninit(&box->adev);
	}
	for (i = 0; i < AMT_DRIVERS; i++)
		if (c->drv_registered[i])
			amt_driver_unregister(c, i);
}

/* The end of a case (or of one sweep iteration): the parent goes, once. */
static void amt_teardown(struct amt_ctx *c)
{
	if (!c->parent)
		return;
	root_device_unregister(c->parent);
	c->parent = NULL;
}

/* A case that ended early (an assertion) left its world as it was: salvage it first. */
static void amt_teardown_action(void *data)
{
	struct amt_ctx *c = data;

	if (!c->parent || c->broken)
		return;
	amt_salvage(c);
	amt_teardown(c);
}

static struct amt_ctx *amt_setup(struct kunit *test, unsigned int release, int ida_min, int ida_max,
				 int ndrivers, const int *probe_ret)
{
	struct amt_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->test = test;
	c->release = release;
	c->ida_min = ida_min;
	c->ida_max = ida_max;
	ida_init(&c->ida);
	for (i = 0; i < AMT_SLOTS; i++) {
		c->id[i] = -1;
		init_completion(&c->release_done[i]);
	}
	for (i = 0; i < ndrivers; i++) {
		c->drv[i].ctx = c;
		c->drv[i].index = i;
		c->drv[i].probe_ret = probe_ret[i];
		c->drv[i].drv.name = amt_driver_names[i];
		c->drv[i].drv.id_table = amt_id_table;
		c->drv[i].drv.probe = amt_probe;
		c->drv[i].drv.remove = amt_remove;
	}
	c->parent = root_device_register("auxbus_model_parent");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_OR_NULL(c->parent), "no parent device");
	/* Runs at the end of the case even when an assertion ends it early. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, amt_teardown_action, c), 0);
	return c;
}

/* A new container filled in as a driver does before auxiliary_device_init(); NULL stays NULL. */
static struct amt_box *amt_fill(struct amt_ctx *c, struct amt_box *box, int slot)
{
	if (!box)
		return NULL;
	box->ctx = c;
	box->slot = slot;
	box->adev.name = "dev";
	box->adev.dev.parent = c->parent;
	if (c->release & AMT_HAS_RELEASE)
		box->adev.dev.release = amt_release;
	return box;
}

/* kzalloc() of the container (NULL when it fails). */
static struct amt_box *amt_alloc(struct amt_ctx *c, int slot)
{
	return amt_fill(c, kzalloc(sizeof(struct amt_box), GFP_KERNEL), slot);
}

/* devm_kzalloc() on the parent: devres frees it at the parent's unregister, or at devm_kfree(). */
static struct amt_box *amt_alloc_devm(struct amt_ctx *c, int slot)
{
	struct amt_box *box = amt_fill(c, devm_kzalloc(c->parent, sizeof(struct amt_box), GFP_KERNEL), slot);

	if (box)
		box->devm = true;
	return box;
}

/* A new step: the callbacks it makes are recorded from here. */
static void amt_step(struct amt_ctx *c, int step)
{
	c->step = step;
	c->calls[0] = '\0';
}

static void amt_expect_calls(struct amt_ctx *c, const char *calls)
{
	KUNIT_EXPECT_STREQ_MSG(c->test, c->calls, calls, "step %d: the kernel's callbacks", c->step);
}

/* A device whose memory the model says is valid: its count and whether it is registered. */
static void amt_expect_dev(struct amt_ctx *c, int slot, unsigned int kref, bool registered)
{
	struct device *dev = &c->box[slot]->adev.dev;

	KUNIT_EXPECT_EQ_MSG(c->test, kref_read(&dev->kobj.kref), kref, "step %d: dev%d kref", c->step, slot);
	KUNIT_EXPECT_EQ_MSG(c->test, device_is_registered(dev), registered, "step %d: dev%d registered", c->step, slot);
}

static void amt_expect_released(struct amt_ctx *c, int slot, int times)
{
	KUNIT_EXPECT_EQ_MSG(c->test, c->released[slot], times, "step %d: dev%d release calls", c->step, slot);
}

/* The IDA's lowest free id in the world's range (allocated and given back) and its emptiness. */
static void amt_expect_ida(struct amt_ctx *c, int lowest, bool empty)
{
	int id = ida_alloc_range(&c->ida, c->ida_min, c->ida_max, GFP_KERNEL);

	if (id >= 0)
		ida_free(&c->ida, id);
	KUNIT_EXPECT_EQ_MSG(c->test, id, lowest, "step %d: lowest free id", c->step);
	KUNIT_EXPECT_EQ_MSG(c->test, ida_is_empty(&c->ida), empty, "step %d: IDA empty", c->step);
}

/* What a fail-nth sweep compares after the call: its return value and device slot 0. */
struct amt_obs {
	int ret;
	bool allocated;
	unsigned int kref;
	bool registered;
	bool bound;
	int released;
};

static void amt_observe(struct amt_ctx *c, int ret, struct amt_obs *o)
{
	struct amt_box *box = c->box[0];

	memset(o, 0, sizeof(*o));
	o->ret = ret;
	o->allocated = box;
	if (box) {
		o->kref = kref_read(&box->adev.dev.kobj.kref);
		o->registered = device_is_registered(&box->adev.dev);
		o->bound = box->adev.dev.driver;
	}
	o->released = c->released[0];
}

/* The model's outcome the kernel's matches, or -1 (reported with what the kernel did). */
static int amt_match(struct amt_ctx *c, const struct amt_obs *o, const struct amt_obs *model, int n,
		     unsigned int nth, bool exhaust)
{
	int k;

	for (k = 0; k < n; k++) {
		if (o->ret == model[k].ret && o->allocated == model[k].allocated &&
		    (!o->allocated || (o->kref == model[k].kref && o->registered == model[k].registered &&
				       o->bound == model[k].bound)) &&
		    o->released == model[k].released)
			return k;
	}
	KUNIT_FAIL(c->test, "fail-nth %u%s: the kernel returned %d, allocated %d, kref %u, registered %d, bound %d, released %d: no outcome of the model",
		   nth, exhaust ? " and every later allocation" : "", o->ret, o->allocated, o->kref, o->registered,
		   o->bound, o->released);
	return -1;
}

/*
 * Where a failure fail-nth injected into an add made it fail, as the device shows it after the call
 * (a case that makes a call fail where the routine explorer did looks for the n that does this).
 */
#define AMT_FAILED_IN_NAME		0	/* dev_set_name(): an error, and no name */
#define AMT_FAILED_IN_DEVICE_ADD	1	/* device_add(): an error, with the name set */
#define AMT_FAILED_IN_BIND		2	/* the core's bind, before any probe: added, no driver */

static bool amt_failed_in(struct amt_ctx *c, int slot, int where, int ret)
{
	struct device *dev = &c->box[slot]->adev.dev;

	switch (where) {
	case AMT_FAILED_IN_NAME:
		return ret < 0 && !dev_name(dev);
	case AMT_FAILED_IN_DEVICE_ADD:
		return ret < 0 && dev_name(dev);
	case AMT_FAILED_IN_BIND:
		return !ret && device_is_registered(dev) && !dev->driver && !strstr(c->calls, "probe(");
	}
	return false;
}

#if IS_ENABLED(CONFIG_FAILSLAB) && IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
/* A failslab attribute, through its debugfs file (debugfs need not be mounted). */
static void *amt_failslab_attr(const char *name)
{
	struct dentry *dir = debugfs_lookup("failslab", NULL);
	struct dentry *file = dir ? debugfs_lookup(name, dir) : NULL;
	void *data = file ? d_inode(file)->i_private : NULL;

	dput(file);
	dput(dir);
	return data;
}

/*
 * GFP_KERNEL allocations may fail too (failslab skips them by default), and a task that asks for
 * it (make_it_fail) gets every allocation after the nth failing as well: memory running out.
 */
static void amt_faults_ready(struct kunit *test)
{
	bool *ignore_reclaim = amt_failslab_attr("ignore-gfp-wait");
	bool *task_filter = amt_failslab_attr("task-filter");
	unsigned long *probability = amt_failslab_attr("probability");
	unsigned long *verbose = amt_failslab_attr("verbose");
	atomic_t *times = amt_failslab_attr("times");

	if (!ignore_reclaim || !task_filter || !probability || !verbose || !times)
		kunit_skip(test, "failslab's debugfs attributes not found");
	*ignore_reclaim = false;
	*task_filter = true;
	*probability = 100;
	*verbose = 0;
	atomic_set(times, -1);
}

/* As a write of nth to /proc/self/fail-nth does; exhaust: every later allocation fails too. */
static void amt_arm(unsigned int nth, bool exhaust)
{
	current->make_it_fail = exhaust;
	current->fail_nth = nth;
}

/* Disarms; true when the call reached its nth allocation. */
static bool amt_disarm(void)
{
	bool reached = !current->fail_nth;

	current->fail_nth = 0;
	current->make_it_fail = 0;
	return reached;
}
#else
static void amt_faults_ready(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS");
}

static void amt_arm(unsigned int nth, bool exhaust)
{
}

static bool amt_disarm(void)
{
	return false;
}
#endif
`;
}
