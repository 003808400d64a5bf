import {
  ParameterError, type DeviceContext, type DeviceEvent, type KernelLogParams, type ReturnsParams, type ViolationParams,
} from '../../machines/index.js';
import { generateRunner } from '../model/runner.js';
import type { AuxDriver } from './driver.js';
import type { Kernel } from './kernel.js';
import { requireLabel } from './labels.js';
import { KernelObject } from './object.js';
import { ParentDevice } from './parent.js';
import { tables } from './tables.js';

/** A release callback: runs once when the last reference is dropped (kernel-auxbus.md §3.6). */
export type ReleaseCallback = (adev: AuxDevice) => void;

const U32_MAX = 2 ** 32 - 1;

// Payload-free events, allocated once.
const DELETE: DeviceEvent = { type: 'DELETE' };
const UNINIT: DeviceEvent = { type: 'UNINIT' };
const GET: DeviceEvent = { type: 'GET' };
const PUT: DeviceEvent = { type: 'PUT' };
const KFREE: DeviceEvent = { type: 'KFREE' };
const DEVRES_FREE: DeviceEvent = { type: 'DEVRES_FREE' };
const RELEASE_SET: DeviceEvent = { type: 'SET_RELEASE', present: true };
const RELEASE_CLEARED: DeviceEvent = { type: 'SET_RELEASE', present: false };
/** Machine input of a kzalloc'd struct: `dev.release` is NULL until the driver fills it in. */
const ZEROED = Object.freeze({ hasRelease: false });
/** The same, devm_kzalloc()ed on the parent. */
const ZEROED_DEVM = Object.freeze({ hasRelease: false, devm: true });
/** The probe event that asks how far add gets (the modname check passed, naming would fail). */
const ADD_PROBE: DeviceEvent = { type: 'ADD', modname: true, nameTaken: false, fault: 'name-nomem' };

/** A field access event. */
type FieldEvent = Extract<DeviceEvent, { type: 'READ' | 'WRITE' }>;

/** READ / WRITE events, one per field, made once (field accesses are the runtime's commonest call). */
const fieldEvents = { READ: new Map<string, FieldEvent>(), WRITE: new Map<string, FieldEvent>() };
function fieldEvent(type: 'READ' | 'WRITE', field: string): FieldEvent {
  const cache = fieldEvents[type];
  const cached = cache.get(field);
  if (cached !== undefined) return cached;
  const e: FieldEvent = Object.freeze({ type, field });
  if (cache.size < 256) cache.set(field, e);
  return e;
}

/**
 * Per leaf of the device machine, whether nothing is left there for the end check to find (e.g.
 * freed): a device that enters such a leaf leaves the kernel's end-check list, as `send` does.
 */
const SETTLED = tables.device.leaves.map((_, leaf) => tables.device.isSettled({ leaf, context: tables.device.initial().context }, 'END'));

/** The accesses of the struct's own fields, looked up once: the setters and getters use them. */
const READ_NAME = fieldEvent('READ', 'name');
const WRITE_NAME = fieldEvent('WRITE', 'name');
const READ_ID = fieldEvent('READ', 'id');
const WRITE_ID = fieldEvent('WRITE', 'id');
const READ_PARENT = fieldEvent('READ', 'dev.parent');
const WRITE_PARENT = fieldEvent('WRITE', 'dev.parent');
const READ_RELEASE = fieldEvent('READ', 'dev.release');
const READ_PLATFORM_DATA = fieldEvent('READ', 'dev.platform_data');
const WRITE_PLATFORM_DATA = fieldEvent('WRITE', 'dev.platform_data');

/** `%d` of a u32 (kernel-auxbus.md §1.1: ids ≥ 2^31 print negative). */
const asInt = (id: number) => (id > 0x7fffffff ? id - 2 ** 32 : id);

/**
 * A kzalloc'd container embedding a `struct auxiliary_device` (the container and the device share
 * one memory, as with `container_of`). Fields start zeroed as kzalloc leaves them; every field
 * access and call is stepped on the device machine, so use after release, double free and the
 * rest of model.md §3 are caught at the step that does them.
 * @example
 * const adev = k.kzallocDevice('foo');
 * if (adev) { adev.name = 'foo'; adev.id = 0; adev.parent = parent; adev.release = (d) => k.kfree(d); adev.init(); }
 */
export class AuxDevice extends KernelObject<DeviceContext, DeviceEvent> {
  private _name: string | null = null;
  private _id = 0;
  private _parent: ParentDevice | null = null;
  private _release: ReleaseCallback | null = null;
  private _platformData: unknown = undefined;
  private _data: Map<string, unknown> | undefined;
  /** The name `dev_set_name` gave it (`modname.name.id`), set by add even when add then fails (§1.3). */
  private _devName: string | null = null;
  private _releaseCalls = 0;
  /**
   * The callback the machine decided runs, taken when the count reached 0: a write of
   * `dev.release` after that is a use after release that changes nothing (model.md §4.2).
   */
  private _scheduled: ReleaseCallback | null = null;
  /** The value the current step's first `returns` effect named (undefined: none). */
  private returned: number | undefined = undefined;

  /**
   * The device machine's step, generated once from its compiled table (`generateRunner`): the
   * device is its host (its leaf and context), each effect the machine names is a handler below,
   * in the machine's order, as `KernelObject.send` carries them out. Inside the class: the
   * handlers change the device's private fields.
   */
  private static readonly run = generateRunner<DeviceContext, DeviceEvent, AuxDevice>(tables.device, {
    // The device leaves the end check's list when it enters a settled leaf, before the effects
    // of that step run (as `send` does): a release callback that asks for a report sees it gone.
    entered: (d, leaf) => {
      if (SETTLED[leaf]) d.kernel.settle(d as never);
    },
    handlers: {
      returns: (d, params) => {
        if (d.returned === undefined) d.returned = (params as ReturnsParams).value;
      },
      violation: (d, params) => { d.kernel.raise(params as ViolationParams, d); },
      kernelLog: (d, params, event) => { d.kernel.printk(params as KernelLogParams, d.logFields(event)); },
      scheduleRelease: (d) => {
        d._scheduled = d._release;
        d.kernel.scheduleRelease(d);
      },
      runRelease: (d) => {
        d._releaseCalls++;
        d.kernel.runRelease(d, d._scheduled!);
      },
      busAdd: (d) => { d.kernel.bus.insertDevice(d); },
      busRemove: (d) => { d.kernel.bus.removeDevice(d); },
      probeDrivers: (d) => { d.kernel.bus.probeDevice(d); },
      driverRemove: (d) => { d.kernel.bus.unbindDevice(d); },
      writeField: (d, _params, event) => {
        // `adev->id = id` on live memory: an id the code holds becomes this device's (model.md §4.4).
        if (event.type === 'WRITE' && event.field === 'id') d.kernel.claimId(d._id, d);
      },
      // The access itself is done by the caller; the saturated count is the machine's to know.
      readField: () => {},
      saturateKref: () => {},
    },
  });

  /** @internal use `Kernel.kzallocDevice` */
  constructor(kernel: Kernel, readonly label: string, devm = false) {
    super(kernel, tables.device, devm ? ZEROED_DEVM : ZEROED);
  }

  describe(): string {
    return this._devName ? `auxiliary device ${this._devName}` : `auxiliary device #${this.handle} (${this.label})`;
  }

  // ---- fields (struct auxiliary_device and the container) ----

  /** `auxdev->name`: borrowed by the core, never copied (§1.1). `null` is a NULL name. */
  get name(): string | null {
    this.access(READ_NAME);
    return this._name;
  }
  set name(value: string | null) {
    if (value !== null && (typeof value !== 'string' || value.length === 0)) {
      throw new ParameterError('adev.name', value, 'a non-empty string, or null for a NULL name');
    }
    this.access(WRITE_NAME);
    this._name = value;
  }

  /** `auxdev->id` (u32). Setting it to an id an IDA handed out makes the id this device's (model.md §4.4). */
  get id(): number {
    this.access(READ_ID);
    return this._id;
  }
  set id(value: number) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > U32_MAX) {
      throw new ParameterError('adev.id', value, `an integer from 0 to ${U32_MAX} (auxdev->id is a u32)`);
    }
    // Like C, the store lands even in freed memory; whether the id becomes this device's is the
    // machine's call (its writeField effect, see the handlers of `run`): a write the model calls a violation
    // moves no ownership (model.md §4.2).
    this._id = value;
    this.access(WRITE_ID);
  }

  /** `auxdev->dev.parent`: a parent device of the same kernel, or null. */
  get parent(): ParentDevice | null {
    this.access(READ_PARENT);
    return this._parent;
  }
  set parent(value: ParentDevice | null) {
    if (value !== null) this.kernel.requireOwn(value, ParentDevice, 'adev.parent', 'a ParentDevice (k.parentDevice(name))');
    this.access(WRITE_PARENT);
    this._parent = value;
  }

  /** `auxdev->dev.release`: read by the kernel only at the final put (§3.6). */
  get release(): ReleaseCallback | null {
    this.access(READ_RELEASE);
    return this._release;
  }
  set release(value: ReleaseCallback | null) {
    if (value !== null && typeof value !== 'function') {
      throw new ParameterError('adev.release', value, 'a function (adev) => void, or null');
    }
    const k = this.kernel;
    k.enter('set release', this, undefined);
    try {
      this.send(value !== null ? RELEASE_SET : RELEASE_CLEARED);
      this._release = value;
    } finally {
      k.exit();
    }
  }

  /** `auxdev->dev.platform_data`: borrowed, never freed by the bus. */
  get platformData(): unknown {
    this.access(READ_PLATFORM_DATA);
    return this._platformData;
  }
  set platformData(value: unknown) {
    this.access(WRITE_PLATFORM_DATA);
    this._platformData = value;
  }

  /** A field of the container around the device (driver-private data). */
  field(name: string): unknown {
    requireLabel(name, 'field(name)');
    this.access(fieldEvent('READ', name));
    return this._data?.get(name);
  }
  /** Writes a field of the container. */
  setField(name: string, value: unknown): void {
    requireLabel(name, 'setField(name)');
    this.access(fieldEvent('WRITE', name));
    (this._data ??= new Map()).set(name, value);
  }

  // ---- the auxiliary-bus API (kernel-auxbus.md §1.2–§1.4, §3.2) ----

  /** `auxiliary_device_init()`: 0, or -EINVAL for a NULL parent or name (§1.2). */
  init(): number {
    const k = this.kernel;
    k.enter('init', this, undefined);
    try {
      return this.send({ type: 'INIT', parent: this._parent !== null, name: this._name !== null }) ?? 0;
    } finally {
      k.exit();
    }
  }

  /**
   * `__auxiliary_device_add(adev, modname)` (`auxiliary_device_add` passes KBUILD_MODNAME): 0, or
   * -EINVAL / -ENOMEM / -EEXIST (§1.3). `null` is a NULL modname.
   */
  add(modname: string | null): number {
    if (modname !== null) requireLabel(modname, 'add(modname)', 'a non-empty module name (or null for a NULL modname)');
    const k = this.kernel;
    k.enter('add', this, modname);
    try {
      // The machine says how far add gets; an injected fault can only hit a step it reaches.
      let fault: 'none' | 'name-nomem' | 'device-add-nomem' = 'none';
      let nameTaken = false;
      if (modname !== null && this.guardFor(ADD_PROBE) === 'addNameNomem') {
        if (k.faults.shouldFail('dev_set_name')) fault = 'name-nomem';
        else {
          // `%s` of a NULL pointer prints "(null)" in the kernel's vsprintf (a name cleared after init).
          let composed = `${modname}.${this._name ?? '(null)'}.${asInt(this._id)}`;
          if (composed.includes('/')) composed = composed.replaceAll('/', '!');
          this._devName = composed;
          if (k.faults.shouldFail('device_add')) fault = 'device-add-nomem';
          nameTaken = k.bus.hasDevice(composed);
        }
      }
      return this.send({ type: 'ADD', modname: modname !== null, nameTaken, fault }) ?? 0;
    } finally {
      k.exit();
    }
  }

  /** `auxiliary_device_delete()` (`device_del`, §3.5). */
  delete(): void {
    this.simple('delete', DELETE);
  }

  /** `auxiliary_device_uninit()`: drops the caller's reference (§1.4). */
  uninit(): void {
    this.simple('uninit', UNINIT);
  }

  /** `get_device(&adev->dev)`: returns the device, as get_device does. */
  get(): AuxDevice {
    this.simple('get_device', GET);
    return this;
  }

  /** `put_device(&adev->dev)`. */
  put(): void {
    this.simple('put_device', PUT);
  }

  // ---- observation (no kernel access: for tests and reports) ----

  /** The composed device name `modname.name.id`, once add has set it. */
  get devName(): string | null {
    return this._devName;
  }
  /** The whole reference count the kernel holds: the caller's and the bus's (§3.4). */
  get refcount(): number {
    return this.context.refs + this.context.busRefs;
  }
  /**
   * Whether a violation that changed this device was reported (model.md §4.3): the end check then
   * leaves it, and its id, to that finding. A refused call (delete of a device never added, ...)
   * does not set it.
   */
  get flagged(): boolean {
    return this.context.flagged;
  }
  /** How often the release callback ran (the model says: at most once). */
  get releaseCalls(): number {
    return this._releaseCalls;
  }
  /** The driver bound to it, if any. */
  get driver(): AuxDriver | undefined {
    return this.kernel.bus.driverOf(this);
  }
  /** `MODALIAS=auxiliary:<modname.name>` once named (§1.7). */
  get modalias(): string | null {
    return this._devName === null ? null : `auxiliary:${this.kernel.bus.matchName(this._devName)}`;
  }
  /** @internal the id field without a model access (the release-callback context uses it). */
  get rawId(): number {
    return this._id;
  }

  /**
   * @internal Sets fields without a model access (test harnesses that replay machine paths use it
   * to give INIT the parent and name an event asks for).
   */
  fill(fields: { name?: string | null; parent?: ParentDevice | null }): void {
    if (fields.name !== undefined) this._name = fields.name;
    if (fields.parent !== undefined) this._parent = fields.parent;
  }

  /**
   * @internal Everything of this device a later call can depend on, as text: the machine's state
   * and context and the fields the kernel reads. `canon` names what the text cannot hold itself
   * (the release callback, platform data). Two devices with the same key behave the same from
   * here on (the checker merges paths on it). `id`, when given, writes the device's id (in its
   * bus name too): for a caller to whom which number it is does not matter, only whose.
   */
  modelKey(canon: (x: unknown) => string, id?: (value: number) => string): string {
    const data = this._data ? [...this._data].map(([k, v]) => `${k}=${canon(v)}`).join(',') : '';
    const shown = id ? id(this._id) : String(this._id);
    const devName = id && this._devName !== null && this._devName.endsWith(`.${asInt(this._id)}`)
      ? `${this._devName.slice(0, this._devName.length - String(asInt(this._id)).length)}${shown}` : this._devName;
    return [
      this.leaf, JSON.stringify(this.context), this._name, shown, this._parent?.name ?? null, canon(this._release),
      canon(this._platformData), data, devName, this._releaseCalls, canon(this._scheduled), this.kernel.bus.driverOf(this)?.handle ?? null,
    ].join('|');
  }

  /** @internal kfree of the container (`Kernel.kfree`). */
  free(): void {
    this.send(KFREE);
  }

  /** @internal devres frees a devm_kzalloc()ed container (`Kernel.devmKzallocDevice`). */
  devresFree(): void {
    this.send(DEVRES_FREE);
  }

  protected override logFields(event: DeviceEvent): Record<string, string> {
    const name = this._devName ?? '(null)';
    return {
      ...super.logFields(event),
      name,
      path: `/bus/auxiliary/devices/${name}`,
      driver: this.kernel.bus.probing?.driverName ?? '(none)',
      errno: event.type === 'PROBE' ? String(event.result) : '',
    };
  }

  /**
   * @internal Steps the device machine with `event` through its generated step: the same
   * transition, effects and order as `KernelObject.send`, without the generic loop. Returns the
   * value the call returns, if the machine names one.
   */
  override send(event: DeviceEvent): number | undefined {
    // An effect may step this device again (a release callback that frees it): that step's
    // value is its own, and this one's is kept across it.
    const outer = this.returned;
    this.returned = undefined;
    try {
      AuxDevice.run(this, this.context, event);
      return this.returned;
    } finally {
      this.returned = outer;
    }
  }

  /**
   * A field access: one numbered call, stepped on the machine (use after release is caught here).
   * Like C, the access itself happens even on released memory: the violation is the finding.
   */
  private access(event: FieldEvent): void {
    const k = this.kernel;
    k.enter(event.type === 'READ' ? 'read' : 'write', this, event.field);
    try {
      this.send(event);
    } finally {
      k.exit();
    }
  }

  /** One payload-free call (delete, uninit, put_device ...): enter, step, exit. */
  private simple(op: string, event: DeviceEvent): void {
    const k = this.kernel;
    k.enter(op, this, undefined);
    try {
      this.send(event);
    } finally {
      k.exit();
    }
  }
}
