import { setup } from 'xstate';
import { NEG } from '../errno.js';
import { effectStubs, log, report, ret } from '../common/effects.js';
import { driverGuards } from './driver.logic.js';
import type { DriverContext, DriverEvent } from './driver.types.js';

const incomplete = (what: string) => ({
  actions: [log('warn', `WARN_ON(!auxdrv->${what})`), report('driver-incomplete'), ret(NEG.EINVAL)],
  description: '§1.9, §5 B13',
});

/**
 * An auxiliary driver's registration (kernel-auxbus.md §1.9): register checks probe and id_table
 * (WARN_ON, -EINVAL), can fail with -ENOMEM or -EBUSY (duplicate name); on success the bus probes
 * every matching device (`attachDevices`); unregister removes it from every bound device
 * (`detachDevices`). Unregistering a driver that is not registered is B14.
 * @example
 * import { createActor } from 'xstate';
 * const drv = createActor(driverMachine).start();
 * drv.send({ type: 'REGISTER', probe: true, idTable: true, nameTaken: false, fault: 'none' });
 * drv.getSnapshot().value; // 'registered'
 */
export const driverMachine = setup({
  types: {
    context: {} as DriverContext,
    events: {} as DriverEvent,
    tags: {} as 'registered',
  },
  guards: driverGuards,
  actions: {
    ...effectStubs,
    /** driver_attach: probe every added, unbound, matching device (§1.8); results come back to each device. */
    attachDevices: () => {},
    /** driver_unregister: `remove` on every device bound to this driver (§1.9). */
    detachDevices: () => {},
  },
}).createMachine({
  id: 'driver',
  context: {},
  initial: 'unregistered',
  states: {
    unregistered: {
      description: 'not on the bus (never registered, registration failed, or unregistered).',
      on: {
        REGISTER: [
          { guard: 'noProbe', ...incomplete('probe') },
          { guard: 'noIdTable', ...incomplete('id_table') },
          { guard: 'nameNomem', actions: ret(NEG.ENOMEM), description: '§1.9 kasprintf of driver.name' },
          {
            guard: 'nameTaken',
            actions: [log('err', "Error: Driver '<name>' is already registered, aborting..."), ret(NEG.EBUSY)],
            description: '§1.9 duplicate driver name',
          },
          { guard: 'registerNomem', actions: ret(NEG.ENOMEM), description: '§1.9 bus_add_driver' },
          {
            target: 'registered',
            actions: [ret(0), 'attachDevices'],
            description: '§1.8, §1.9: on the bus; matching devices probed, probe errors never fail registration',
          },
        ],
        UNREGISTER: {
          actions: [log('warn', 'Unexpected driver unregister!'), report('unregister-unregistered')],
          description: '§1.9, §5 B14',
        },
      },
    },
    registered: {
      description: 'on the bus: binds to every matching device added from now on.',
      tags: ['registered'],
      on: {
        REGISTER: [
          { guard: 'noProbe', ...incomplete('probe') },
          { guard: 'noIdTable', ...incomplete('id_table') },
          {
            actions: [log('err', "Error: Driver '<name>' is already registered, aborting..."), report('double-register'), ret(NEG.EBUSY)],
            description: '§1.9, §5 B19: its own name is already on the bus; the -EBUSY path frees the name it still uses',
          },
        ],
        UNREGISTER: {
          target: 'unregistered',
          actions: 'detachDevices',
          description: '§1.9: every bound device\'s remove runs, then the name is freed',
        },
      },
    },
  },
});

/** The driver machine's type. */
export type DriverMachine = typeof driverMachine;
