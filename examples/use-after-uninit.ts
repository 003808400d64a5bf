import { defineScenario, NEG, type AuxDevice, type Kernel } from '../src/index.js';
import { myAuxEnv, type MyAuxEnv } from './correct-ida.js';

/**
 * use-after-uninit: the release callback frees only the container, so the driver frees the id
 * itself, and its teardown reads it from the device after the final auxiliary_device_uninit()
 * (kernel-auxbus.md §5 B11: "reading auxdev->id after uninit to ida_free it"; ionic saved the id
 * first). The container is gone by then: KASAN "slab-use-after-free" (use-after-release, B11).
 * Every path where create succeeds reaches it. The add-failure unwind does it right: it uses the
 * id it kept in a local variable.
 *
 * ```c
 * static void my_aux_release(struct device *dev)
 * {
 *         kfree(container_of(dev, struct my_aux, adev.dev));
 * }
 *
 * static void my_aux_destroy(struct my_aux *m)
 * {
 *         auxiliary_device_delete(&m->adev);
 *         auxiliary_device_uninit(&m->adev);       // the last put: m is freed
 *         ida_free(&my_aux_ida, m->adev.id);       // BUG: reads freed memory
 * }
 * ```
 */
/**
 * The scenario (also the default export).
 * @example console.log(formatExploration(explore(scenario)));
 */
export const scenario = defineScenario({
  name: 'use-after-uninit',
  description: 'The release callback frees only the container; teardown reads adev->id after the final uninit to ida_free it: a use after release on every path where create succeeded (§5 B11).',
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
    adev.release = (d) => k.kfree(d);
    let ret = adev.init();
    if (ret !== 0) {
      ida.free(id);
      k.kfree(adev);
      return ret;
    }
    ret = adev.add('my_mod');
    if (ret !== 0) {
      adev.uninit();
      ida.free(id); // right: the id kept in a local, not read from the freed device
      return ret;
    }
    return adev;
  },
  teardown(_k, { ida }, adev) {
    const m = adev as AuxDevice;
    m.delete();
    m.uninit();
    ida.free(m.id); // BUG: m was released by the uninit above
  },
});

export default scenario;
