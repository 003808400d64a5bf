import { assign, setup } from 'xstate';
import { NEG } from '../errno.js';
import { effectStubs, log, report, ret } from '../common/effects.js';
import type { ViolationCode } from '../violations.js';
import { deviceGuards, deviceUpdates } from './device.logic.js';
import type { DeviceContext, DeviceEvent, DeviceInput, DeviceTag } from './device.types.js';

/** A violation whose call changed the device: flag it (model.md §4.3: the end check skips it), then report it. */
const violate = (code: ViolationCode) => [{ type: 'flag' } as const, report(code)];
/**
 * A violation whose call left the device as it was (model.md §4.2: a refused call, or one on
 * memory already gone): reported, but it excuses nothing at the end (§4.3 revised), since a leak
 * made afterwards has its own root cause.
 */
const refuse = (code: ViolationCode) => [report(code)];

/** Every call on a dead device is use-after-release, checked before any other rule (model.md §4.1). */
const useAfterRelease = { actions: refuse('use-after-release'), description: 'model.md §4.1, §5 B11' } as const;

/**
 * The final put (§3.2, §3.6): the count reaches 0 and `kobject_release` schedules the cleanup
 * that calls the release callback; or the kernel WARNs that there is none and the container leaks
 * (B12). When the cleanup runs is not the caller's to know (§3.9, model.md §4.6): at once, or 1–4 s
 * later with CONFIG_DEBUG_KOBJECT_RELEASE, or at another holder's put. So the machine only waits
 * in `dead.pending`; whoever runs it sends RUN_RELEASE when the cleanup runs (the runtime at once
 * by default, or later in its deferred mode; the world explorer at any later step).
 */
const finalPut = [
  {
    guard: 'lastRefWithRelease',
    target: '#device.dead.pending',
    actions: ['dropRef', 'scheduleRelease'],
    description: '§3.2 count reaches 0 → kobject_release schedules device_release → dev.release()',
  },
  {
    guard: 'lastRefNoRelease',
    target: '#device.dead.released',
    actions: [
      'dropRef',
      log('warn', "Device '<name>' does not have a release() function, it is broken and must be fixed. See Documentation/core-api/kobject.rst."),
      ...violate('missing-release'),
    ],
    description: '§3.6 B12',
  },
] as const;

/** A put/uninit on an initialized device that is not on the bus (never added, add failed, deleted). */
const putOffBus = [...finalPut, { actions: ['dropRef'], description: '§3.2 put_device' }] as const;

/**
 * delete after the caller already dropped its own references (after B6): the bus's were the last.
 * `before` runs first: a bound driver's remove (§3.5 unbinds before the references go). device_del
 * drops them before it is done with the device, so it reads a device whose count is 0: B11,
 * whenever the release runs (model.md §4.6); KASAN shows it in bus_remove_device when the release
 * ran at once and freed the container (§3.9).
 */
const deleteReleasing = <const B extends readonly string[]>(...before: B) =>
  [
    {
      guard: 'ownRefsGoneWithRelease',
      target: '#device.dead.pending',
      actions: ['busRemove', ...before, 'leaveBus', 'scheduleRelease', ...violate('use-after-release')],
      description: '§3.5, §3.9: the bus drops the last references midway through device_del, which goes on using the device (B11)',
    },
    {
      guard: 'ownRefsGoneNoRelease',
      target: '#device.dead.released',
      actions: [
        'busRemove',
        ...before,
        'leaveBus',
        log('warn', "Device '<name>' does not have a release() function, it is broken and must be fixed. See Documentation/core-api/kobject.rst."),
        ...violate('missing-release'),
        ...violate('use-after-release'),
      ],
      description: '§3.6 B12; §3.9: device_del goes on using the device after its count reached 0 (B11)',
    },
  ] as const;

/**
 * A put or uninit while the device is added (§3.2, §5 B6). Once the caller's own count is 0, a
 * further put still drops a reference, one of the bus's (§3.9: kref 3 → 2 → 1); the last of them
 * runs the release while the device is still on the bus, which keeps pointing at it.
 */
const putWhileAdded = [
  { guard: 'ownRefsRemain', actions: 'dropRef', description: '§3.2 put_device' },
  { guard: 'ownLastRef', actions: ['dropRef', ...violate('uninit-without-delete')], description: '§5 B6' },
  // The final put, of the bus's last reference: the same as finalPut but for whose count drops.
  ...finalPut.map((t) => ({
    ...t,
    actions: [...t.actions.map((a) => (a === 'dropRef' ? 'dropBusRef' : a)), ...violate('uninit-without-delete')],
    description: `${t.description}; §5 B6: the bus's last reference, the device still on the bus`,
  })),
  { actions: ['dropBusRef', ...violate('uninit-without-delete')], description: '§5 B6, §3.9: a put of a reference the caller no longer holds drops one of the bus\'s' },
] as const;

/**
 * kfree() of a devm_kzalloc()ed container: the pointer is inside devres's node, not the start of a
 * slab object. KASAN reports the kfree as an "invalid-free" and does not free it (mm/kasan/common.c
 * check_slab_allocation); devres still frees the node at unbind. Without KASAN SLUB takes the
 * pointer onto its freelist and the heap is corrupt. The model follows the KASAN kernel: reported,
 * nothing freed (model.md §4.2). Tried first wherever a kfree may come.
 */
const kfreeOfDevm = {
  guard: 'devm',
  actions: refuse('double-free'),
  description: '§5 B4: kfree() of devm memory devres frees again; KASAN "invalid-free", not freed (mm/kasan/common.c)',
} as const;

/** A free of the container after the caller's last put and outside the release callback (model.md §4.6, §5 B18). */
const freeOutsideRelease = { target: '#device.dead.freed', actions: violate('free-outside-release'), description: 'model.md §4.6, §5 B18' } as const;

/**
 * While a release callback runs on a container that was already freed (`dead.lateRelease`), its
 * reads and calls land in freed memory: that is the KASAN report of the root cause (B18, or B4 if
 * it frees the container again), decided and reported once, so the accesses themselves add nothing.
 */
const insideLateRelease = { description: 'model.md §4.3: part of the free before release, reported once' } as const;

/**
 * The device lifecycle of one `struct auxiliary_device` (model.md §1, kernel-auxbus.md §1–§3, §6).
 *
 * allocated → initialized → added (unbound / bound) → deleted → pending → releasing → released / freed, with init
 * failure (back to allocated), add failure (`addFailed`: only uninit is legal), the reference
 * count, the release callback and every device misuse of model.md §3 as a `violation` effect.
 * A violating call changes only what the kernel really changes (model.md §4.2).
 *
 * Release is deferred (model.md §4.6): the last put schedules it (`scheduleRelease`) and the
 * machine waits in `dead.pending` for RUN_RELEASE; a free of the container anywhere but in the
 * release callback after the caller's last put is `free-outside-release` (B18), whenever the
 * release runs, so a runner may send RUN_RELEASE at once or later and reach the same verdicts.
 *
 * Effects (`returns`, `violation`, `kernelLog`, `scheduleRelease`, `runRelease`, `probeDrivers`, `driverRemove`) are
 * named here and implemented by whoever runs the machine.
 * @example
 * import { createActor } from 'xstate';
 * const actor = createActor(deviceMachine).start();
 * actor.send({ type: 'INIT', parent: true, name: true });
 * actor.getSnapshot().value; // { live: { refcounted: 'initialized' } }
 */
export const deviceMachine = setup({
  types: {
    context: {} as DeviceContext,
    events: {} as DeviceEvent,
    input: {} as DeviceInput,
    tags: {} as DeviceTag,
  },
  guards: deviceGuards,
  actions: {
    ...effectStubs,
    /** kobject_release: the cleanup that calls the release is scheduled (now or later: the runner sends RUN_RELEASE). */
    scheduleRelease: () => {},
    /** The release callback (user code, e.g. `kfree(container)` and `ida_free(id)`). */
    runRelease: () => {},
    /** device_add's `bus_probe_device`: match drivers and probe (§1.8); the result comes back as PROBE. */
    probeDrivers: () => {},
    /** bus_add_device: the device joins the bus's klist and /sys/bus/auxiliary/devices (§3.4); its name is taken bus-wide. */
    busAdd: () => {},
    /** bus_remove_device: off the bus's klist, its name free again (§2.4, §3.5); the driver is released after. */
    busRemove: () => {},
    /** The bound driver's `remove` (§1.8). */
    driverRemove: () => {},
    /**
     * get/put on a kobject that was never initialized: refcount_t warns and saturates (lib/refcount.c,
     * §3.9); the count reads REFCOUNT_SATURATED until kobject_init sets it to 1.
     */
    saturateKref: () => {},
    /** A field read of live memory: the runtime hands back the field's value. */
    readField: () => {},
    /** A field write to live memory. */
    writeField: () => {},
    takeInitRef: assign(deviceUpdates.takeInitRef),
    getRef: assign(deviceUpdates.getRef),
    dropRef: assign(deviceUpdates.dropRef),
    dropBusRef: assign(deviceUpdates.dropBusRef),
    joinBus: assign(deviceUpdates.joinBus),
    leaveBus: assign(deviceUpdates.leaveBus),
    setRelease: assign(deviceUpdates.setRelease),
    flag: assign(deviceUpdates.flag),
  },
}).createMachine({
  id: 'device',
  context: ({ input }) => ({
    refs: 0,
    busRefs: 0,
    put: false,
    hasRelease: input?.hasRelease ?? true,
    flagged: false,
    devm: input?.devm ?? false,
  }),
  initial: 'live',
  states: {
    live: {
      description: 'The memory is valid: fields may be read and written.',
      tags: ['live'],
      initial: 'allocated',
      on: {
        READ: { actions: 'readField', description: 'a field read of a live device is fine' },
        WRITE: { actions: 'writeField', description: 'a field write of a live device is fine' },
        SET_RELEASE: { actions: 'setRelease' },
      },
      states: {
        allocated: {
          description: 'kzalloc\'d and filled (step 1): the caller owns the memory and may kfree it.',
          on: {
            INIT: [
              {
                guard: 'initNullParent',
                actions: [log('err', 'auxiliary_device has a NULL dev->parent'), ret(NEG.EINVAL)],
                description: '§1.2 check 1: -EINVAL, the caller still owns the memory',
              },
              {
                guard: 'initNullName',
                actions: [log('err', 'auxiliary_device has a NULL name'), ret(NEG.EINVAL)],
                description: '§1.2 check 2: -EINVAL, the caller still owns the memory',
              },
              {
                target: 'refcounted',
                actions: ['takeInitRef', ret(0)],
                description: '§1.2 device_initialize: refcount 1, memory now owned by refcount + release',
              },
            ],
            ADD: {
              actions: [
                log('err', "kobject '<name>' (<ptr>): tried to add an uninitialized object, something is seriously wrong."),
                'saturateKref',
                ...refuse('add-uninitialized'),
                ret(NEG.EINVAL),
              ],
              description: '§5 B9; §3.9: device_add\'s get_device saturates the count',
            },
            DELETE: { actions: refuse('delete-unadded'), description: '§3.5, §5 B8' },
            UNINIT: {
              actions: [
                log('warn', "kobject: '<name>' (<ptr>): is not initialized, yet kobject_put() is being called."),
                'saturateKref',
                ...refuse('put-uninitialized'),
              ],
              description: '§3.2, §5 B2; §3.9: refcount_t underflows and saturates',
            },
            PUT: {
              actions: [
                log('warn', "kobject: '<name>' (<ptr>): is not initialized, yet kobject_put() is being called."),
                'saturateKref',
                ...refuse('put-uninitialized'),
              ],
              description: '§3.2, §5 B2; §3.9: refcount_t underflows and saturates',
            },
            GET: {
              actions: [
                log('warn', "kobject: '<name>' (<ptr>): is not initialized, yet kobject_get() is being called."),
                'saturateKref',
                ...refuse('get-uninitialized'),
              ],
              description: '§3.2, §5 B2; §3.9: refcount_t adds on 0 and saturates',
            },
            KFREE: [kfreeOfDevm, { target: '#device.dead.freed', description: '§1.2 before init the caller frees directly' }],
            DEVRES_FREE: { target: '#device.dead.freed', description: '§1.2 before init devres may free a devm container at unbind' },
            END: { guard: 'leakCheck', actions: violate('memory-leak'), description: 'model.md §4.3' },
          },
        },
        releasing: {
          description: 'the count reached 0 and dev.release() is running: it may still read the device and free the container.',
          on: {
            KFREE: [kfreeOfDevm, { target: '#device.dead.freed', description: '§2.3: the release callback frees the container' }],
            // The world and the runtime run a release callback to its end before anything else
            // happens, so a devres free while it runs is one the callback made (devm_kfree()).
            DEVRES_FREE: { target: '#device.dead.freed', description: 'model.md §4.6: the release callback devm_kfree()s its devm container' },
            RELEASED: { target: '#device.dead.released', description: '§3.6: the release callback returned' },
            INIT: useAfterRelease,
            ADD: useAfterRelease,
            DELETE: useAfterRelease,
            UNINIT: useAfterRelease,
            GET: useAfterRelease,
            PUT: useAfterRelease,
          },
        },
        refcounted: {
          description: 'init succeeded: only the reference count and the release callback may free the memory.',
          tags: ['refcounted'],
          initial: 'initialized',
          on: {
            INIT: [
              { guard: 'initNullParent', actions: [log('err', 'auxiliary_device has a NULL dev->parent'), ret(NEG.EINVAL)] },
              { guard: 'initNullName', actions: [log('err', 'auxiliary_device has a NULL name'), ret(NEG.EINVAL)] },
              {
                actions: [
                  log('err', 'kobject (<ptr>): tried to init an initialized object, something is seriously wrong.'),
                  ...refuse('double-init'),
                  ret(0),
                ],
                description: '§3.1, §5 B17',
              },
            ],
            // initialized overrides ADD (the first add); added overrides UNINIT and PUT (the bus holds references).
            ADD: { actions: [...refuse('double-add'), ret(NEG.EEXIST)], description: '§3.4 kernel-doc: never add twice; §5 B10' },
            UNINIT: putOffBus,
            PUT: putOffBus,
            GET: { actions: 'getRef', description: '§3.2 get_device' },
            KFREE: [
              kfreeOfDevm,
              { guard: 'callerPutLast', ...freeOutsideRelease },
              { target: '#device.dead.freed', actions: violate('free-after-init'), description: '§3.7, §5 B1' },
            ],
            DEVRES_FREE: { ...freeOutsideRelease, description: 'model.md §4.6, §5 B18: devres frees a container the device still holds' },
            END: [
              { guard: 'flagged', description: 'model.md §4.3: already reported' },
              { guard: 'everPut', actions: violate('reference-leak'), description: 'model.md §4.3, §5 B15' },
              { actions: violate('leak-initialized'), description: 'model.md §4.3, §5 B3' },
            ],
          },
          states: {
            initialized: {
              description: 'device_initialize ran: refcount 1, not on the bus.',
              on: {
                ADD: [
                  {
                    guard: 'addNullModname',
                    target: 'addFailed',
                    actions: [log('err', 'auxiliary device modname is NULL'), ret(NEG.EINVAL)],
                    description: '§1.3: -EINVAL',
                  },
                  {
                    guard: 'addNameNomem',
                    target: 'addFailed',
                    actions: [log('err', 'auxiliary device dev_set_name failed: -12'), ret(NEG.ENOMEM)],
                    description: '§1.3, §3.3: -ENOMEM',
                  },
                  {
                    guard: 'addDeviceAddNomem',
                    target: 'addFailed',
                    actions: [log('err', 'adding auxiliary device failed!: -12'), ret(NEG.ENOMEM)],
                    description: '§3.4: -ENOMEM, name stays set',
                  },
                  {
                    guard: 'addNameTaken',
                    target: 'addFailed',
                    actions: [
                      log('warn', "sysfs: cannot create duplicate filename '<path>'"),
                      log('err', 'adding auxiliary device failed!: -17'),
                      ret(NEG.EEXIST),
                    ],
                    description: '§2.4, §3.4, §5 B16: -EEXIST',
                  },
                  {
                    target: 'added',
                    actions: ['joinBus', 'busAdd', ret(0), 'probeDrivers'],
                    description: '§1.3, §3.4: on the bus, +2 references, drivers probed',
                  },
                ],
                DELETE: { actions: refuse('delete-unadded'), description: '§3.5, §5 B8' },
              },
            },
            addFailed: {
              description: 'add returned an error: still initialized, name maybe set, dev->p gone; only uninit is legal.',
              on: {
                DELETE: { actions: refuse('delete-unadded'), description: '§3.5, §5 B8' },
              },
            },
            added: {
              description: 'registered: named, in sysfs, on the bus klist and the parent\'s children klist.',
              tags: ['onBus'],
              initial: 'unbound',
              on: {
                UNINIT: putWhileAdded,
                PUT: putWhileAdded,
              },
              states: {
                unbound: {
                  description: 'no driver bound (none matched, or probe failed).',
                  on: {
                    PROBE: [
                      { guard: 'probeSucceeded', target: 'bound', description: '§1.8 probe returned 0' },
                      { actions: log('err', 'probe with driver <driver> failed with error <errno>'), description: '§1.8: the device stays added and unbound' },
                    ],
                    DELETE: [
                      ...deleteReleasing(),
                      { target: '#device.live.refcounted.deleted', actions: ['busRemove', 'leaveBus'], description: '§3.5 device_del' },
                    ],
                  },
                },
                bound: {
                  description: 'a driver\'s probe succeeded.',
                  tags: ['bound'],
                  on: {
                    UNBIND: { target: 'unbound', actions: 'driverRemove', description: '§1.9 driver unregister → remove' },
                    DELETE: [
                      ...deleteReleasing('driverRemove'),
                      {
                        target: '#device.live.refcounted.deleted',
                        actions: ['busRemove', 'driverRemove', 'leaveBus'],
                        description: '§3.5 device_del: remove runs, the bus drops its references',
                      },
                    ],
                  },
                },
              },
            },
            deleted: {
              description: 'off the bus; only the caller\'s (and others\') references remain.',
              on: {
                DELETE: { actions: refuse('double-delete'), description: '§3.5, §5 B7' },
              },
            },
          },
        },
      },
    },
    dead: {
      description: 'released or freed: any use is use-after-release (model.md §4.1).',
      tags: ['dead'],
      initial: 'released',
      on: {
        INIT: useAfterRelease,
        ADD: useAfterRelease,
        DELETE: useAfterRelease,
        UNINIT: useAfterRelease,
        GET: useAfterRelease,
        PUT: useAfterRelease,
        READ: useAfterRelease,
        WRITE: useAfterRelease,
        SET_RELEASE: useAfterRelease,
      },
      states: {
        pending: {
          description: 'the count reached 0 and the cleanup that calls dev.release() is scheduled, not yet run (§3.2, §3.9).',
          tags: ['releasePending'],
          on: {
            RUN_RELEASE: { target: '#device.live.releasing', actions: 'runRelease', description: '§3.2 kobject_cleanup → device_release → dev.release()' },
            KFREE: [kfreeOfDevm, { target: 'orphaned', description: 'model.md §4.6: freed before its release ran; the release decides the finding' }],
            DEVRES_FREE: { target: 'orphaned', description: 'model.md §4.6: devres freed it before its release ran' },
          },
        },
        orphaned: {
          description: 'the container was freed after the last put, before its release ran: the release will run on freed memory.',
          tags: ['releasePending', 'freed'],
          on: {
            RUN_RELEASE: { target: 'lateRelease', actions: 'runRelease', description: '§5 B18: the delayed cleanup reads the freed kobject' },
            // No DEVRES_FREE from here on: devres frees an entry once, and a devm container is
            // freed by devres or not at all (kfreeOfDevm).
            KFREE: { actions: refuse('double-free'), description: '§5 B4' },
          },
        },
        lateRelease: {
          description: 'dev.release() runs on a container freed before it ran.',
          tags: ['freed'],
          on: {
            KFREE: [
              {
                guard: 'devm',
                target: 'freed',
                actions: [...violate('double-free'), report('free-outside-release')],
                description: '§5 B4, B18: the release kfree()s devm memory devres freed before the release ran: both root causes',
              },
              { target: 'freed', actions: violate('double-free'), description: '§5 B4: the container is freed again' },
            ],
            DEVRES_FREE: {
              target: 'freed',
              actions: violate('free-outside-release'),
              description: 'model.md §4.6, §5 B18: devres freed the container before its release ran (whose devm_kfree() now only WARNs, drivers/base/devres.c)',
            },
            RELEASED: { target: 'freed', actions: violate('free-outside-release'), description: 'model.md §4.6, §5 B18: freed outside the release callback' },
            INIT: insideLateRelease,
            ADD: insideLateRelease,
            DELETE: insideLateRelease,
            UNINIT: insideLateRelease,
            GET: insideLateRelease,
            PUT: insideLateRelease,
            READ: insideLateRelease,
            WRITE: insideLateRelease,
            SET_RELEASE: insideLateRelease,
          },
        },
        released: {
          description: 'the count reached 0 and the release ran; the container survives if release did not free it.',
          on: {
            KFREE: [
              kfreeOfDevm,
              { guard: 'hasRelease', ...freeOutsideRelease },
              { target: 'freed', description: 'model.md §4.3: with no release callback (B12, reported) the caller can only free it itself' },
            ],
            DEVRES_FREE: [
              { guard: 'hasRelease', ...freeOutsideRelease },
              { target: 'freed', description: 'model.md §4.3: with no release callback (B12, reported) devres frees what nothing else would' },
            ],
            END: { guard: 'leakCheck', actions: violate('memory-leak'), description: 'model.md §4.3' },
          },
        },
        freed: {
          description: 'the container\'s memory is gone.',
          tags: ['freed'],
          on: {
            KFREE: { actions: refuse('double-free'), description: '§5 B4' },
          },
        },
      },
    },
  },
});

/** The device machine's type. */
export type DeviceMachine = typeof deviceMachine;
