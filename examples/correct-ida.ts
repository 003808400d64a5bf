import { defineScenario, NEG, type AuxDevice, type Ida, type Kernel, type ParentDevice } from '../src/index.js';

/**
 * correct-ida: the documented three-step registration (kernel-auxbus.md §2.2, §2.3) with an id
 * from the driver's IDA, freed in the release callback. Clean on every path.
 *
 * The C it models:
 *
 * ```c
 * static void my_aux_release(struct device *dev)
 * {
 *         struct auxiliary_device *adev = to_auxiliary_dev(dev);
 *
 *         ida_free(&my_aux_ida, adev->id);         // the device owns its id
 *         kfree(container_of(adev, struct my_aux, adev));
 * }
 *
 * static struct my_aux *my_aux_create(struct device *parent)
 * {
 *         struct my_aux *m = kzalloc(sizeof(*m), GFP_KERNEL);
 *         int id, ret;
 *
 *         if (!m)
 *                 return ERR_PTR(-ENOMEM);
 *         id = ida_alloc(&my_aux_ida, GFP_KERNEL);
 *         if (id < 0) {
 *                 kfree(m);
 *                 return ERR_PTR(id);
 *         }
 *         m->adev.name = "foo";
 *         m->adev.id = id;
 *         m->adev.dev.parent = parent;
 *         m->adev.dev.release = my_aux_release;
 *         ret = auxiliary_device_init(&m->adev);
 *         if (ret) {                                // nothing initialized: undo by hand
 *                 ida_free(&my_aux_ida, id);
 *                 kfree(m);
 *                 return ERR_PTR(ret);
 *         }
 *         ret = auxiliary_device_add(&m->adev);
 *         if (ret) {                                // initialized: release frees the id and m
 *                 auxiliary_device_uninit(&m->adev);
 *                 return ERR_PTR(ret);
 *         }
 *         return m;
 * }
 *
 * static void my_aux_destroy(struct my_aux *m)
 * {
 *         auxiliary_device_delete(&m->adev);
 *         auxiliary_device_uninit(&m->adev);       // the last put: release runs
 * }
 * ```
 */

/**
 * What setup builds: the PCI function that creates the device, and the driver's IDA.
 * @example create(k, { parent, ida }: MyAuxEnv) { ... }
 */
export interface MyAuxEnv {
  parent: ParentDevice;
  ida: Ida;
}

/**
 * The environment: the parent device, the IDA, and an auxiliary driver that binds to `my_mod.foo`
 * (so that add probes it, and probe is one of the fallible calls).
 * @example defineScenario({ name: 'mine', setup: myAuxEnv, create: (k, { parent, ida }) => 0 })
 */
export function myAuxEnv(k: Kernel): MyAuxEnv {
  const parent = k.parentDevice('0000:03:00.0');
  const ida = k.idaInit('my_aux_ida');
  const drv = k.auxiliaryDriver({ name: 'foo_drv', idTable: [{ name: 'my_mod.foo' }], probe: () => 0, remove: () => {} });
  if (drv.register('my_aux_drv') !== 0) throw new Error('setup: the auxiliary driver did not register');
  return { parent, ida };
}

/**
 * The scenario (also the default export).
 * @example console.log(formatExploration(explore(scenario)));
 */
export const scenario = defineScenario({
  name: 'correct-ida',
  description: 'The documented three-step registration with an IDA id freed in the release callback; unwinds with uninit once init succeeded, delete + uninit in teardown.',
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
    adev.release = (d) => {
      ida.free(d.id);
      k.kfree(d);
    };
    let ret = adev.init();
    if (ret !== 0) {
      ida.free(id);
      k.kfree(adev);
      return ret;
    }
    ret = adev.add('my_mod');
    if (ret !== 0) {
      adev.uninit();
      return ret;
    }
    return adev;
  },
  teardown(_k, _env, adev) {
    const m = adev as AuxDevice; // teardown runs only when create returned the device
    m.delete();
    m.uninit();
  },
});

export default scenario;
