import { defineScenario, NEG, type AuxDevice, type Kernel } from '../src/index.js';
import { myAuxEnv, type MyAuxEnv } from './correct-ida.js';

/**
 * empty-release: the release callback frees only the id, and the driver kfree()s the container
 * itself right after its last auxiliary_device_uninit(), on the add-failure unwind and in
 * teardown. That works while the release runs inside the last put, and nowhere else: another
 * holder of a reference (an open sysfs file, a uevent, a driver's get_device) or
 * CONFIG_DEBUG_KOBJECT_RELEASE runs the release later, on a container already freed
 * (kernel-auxbus.md §3.9, §5 B18: KASAN "slab-use-after-free" in the delayed kobject_cleanup).
 * Documentation/core-api/kobject.rst: the kobject must persist until its release is called.
 * Every path where init succeeded reaches it (free-outside-release, B18); `--deferred-release`
 * finds the same, at the delayed cleanup.
 *
 * ```c
 * static void my_aux_release(struct device *dev)
 * {
 *         ida_free(&my_aux_ida, to_auxiliary_dev(dev)->id);    // the container is left to the caller
 * }
 *
 * static void my_aux_destroy(struct my_aux *m)
 * {
 *         auxiliary_device_delete(&m->adev);
 *         auxiliary_device_uninit(&m->adev);
 *         kfree(m);                                 // BUG: the release may not have run yet
 * }
 * ```
 */
/**
 * The scenario (also the default export).
 * @example console.log(formatExploration(explore(scenario, { release: 'deferred' })));
 */
export const scenario = defineScenario({
  name: 'empty-release',
  description: 'The release callback frees only the id; the driver kfree()s the container after its last uninit, on the add-failure unwind and in teardown: a free outside the release callback (§5 B18).',
  setup: myAuxEnv,
  create(k: Kernel, { parent, ida }: MyAuxEnv): AuxDevice | number {
    const adev = k.kzallocDevice('struct my_aux');
    if (!adev) return NEG.ENOMEM;
    const id = ida.alloc();
    if (id < 0) {
      k.kfree(adev);
      return id;
    }
    adev.name = 'foo';
    adev.id = id;
    adev.parent = parent;
    adev.release = (d) => ida.free(d.id);
    let ret = adev.init();
    if (ret !== 0) {
      ida.free(id);
      k.kfree(adev);
      return ret;
    }
    ret = adev.add('my_mod');
    if (ret !== 0) {
      adev.uninit();
      k.kfree(adev); // BUG: outside the release callback
      return ret;
    }
    return adev;
  },
  teardown(k, _ctx, adev) {
    const m = adev as AuxDevice;
    m.delete();
    m.uninit();
    k.kfree(m); // BUG: outside the release callback
  },
});

export default scenario;
