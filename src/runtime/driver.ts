import { dataField, ParameterError, requireObject, type DriverContext, type DriverEvent } from '../../machines/index.js';
import type { Effect } from '../model/compile.js';
import type { AuxDevice } from './device.js';
import type { Kernel } from './kernel.js';
import { requireLabel } from './labels.js';
import { KernelObject } from './object.js';
import { tables } from './tables.js';

/** `AUXILIARY_NAME_SIZE` in the newest tree (kernel-auxbus.md §1.1): names are shorter, with the NUL. */
export const AUXILIARY_NAME_SIZE = 40;

/** One `struct auxiliary_device_id`: `<modname>.<device name>` and the driver's data. */
export interface AuxDeviceId {
  name: string;
  driverData?: unknown;
}

/**
 * What a driver author fills in (`struct auxiliary_driver`). `probe` and `idTable` are required
 * by the kernel; leaving one out is B13 (driver-incomplete), which the model reports, so they are
 * optional here.
 */
export interface AuxDriverSpec {
  /** `auxdrv->name`: the driver is registered as `<modname>.<name>` (or `<modname>` without one). */
  name?: string;
  idTable?: readonly AuxDeviceId[] | null;
  /** Returns 0 to bind, a negative errno to refuse (the device stays added and unbound, §1.8). */
  probe?: ((adev: AuxDevice, id: AuxDeviceId) => number) | null;
  remove?: ((adev: AuxDevice) => void) | null;
  shutdown?: ((adev: AuxDevice) => void) | null;
}

/**
 * An auxiliary driver: register it to bind to every matching device, present and future.
 * @example
 * const drv = k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: () => 0 });
 * drv.register('foo_drv');
 */
export class AuxDriver extends KernelObject<DriverContext, DriverEvent> {
  readonly name: string | undefined;
  private _idTable: readonly AuxDeviceId[] | null;
  private _probe: AuxDriverSpec['probe'];
  readonly remove: AuxDriverSpec['remove'];
  readonly shutdown: AuxDriverSpec['shutdown'];
  /** `driver.name` once register allocated it. */
  private _driverName: string | null = null;

  /** @internal use `Kernel.auxiliaryDriver` */
  constructor(kernel: Kernel, spec: AuxDriverSpec) {
    // Checked before the object exists, so a rejected spec leaves no trace in the kernel.
    const fields = checkSpec(spec);
    super(kernel, tables.driver);
    this._idTable = fields.idTable;
    this.name = fields.name;
    this._probe = fields.probe;
    this.remove = fields.remove;
    this.shutdown = fields.shutdown;
  }

  describe(): string {
    return `auxiliary driver ${this._driverName ?? this.name ?? `#${this.handle}`}`;
  }

  /** `auxdrv->id_table`. */
  get idTable(): readonly AuxDeviceId[] | null {
    return this._idTable;
  }
  /** `auxdrv->probe`. */
  get probe(): AuxDriverSpec['probe'] {
    return this._probe;
  }

  /**
   * @internal Changes `probe` / `id_table` between calls, as C code may change the struct's
   * fields (test harnesses replaying machine paths use it).
   */
  fill(fields: Pick<AuxDriverSpec, 'probe' | 'idTable'>): void {
    if ('probe' in fields) this._probe = fields.probe ?? null;
    if ('idTable' in fields) this._idTable = fields.idTable == null ? null : validateIdTable(fields.idTable);
  }

  /** The registered driver name, `<modname>.<name>`. */
  get driverName(): string | null {
    return this._driverName;
  }

  /**
   * `__auxiliary_driver_register(auxdrv, THIS_MODULE, modname)`: 0, -EINVAL (no probe or
   * id_table, with a WARN), -ENOMEM or -EBUSY (§1.9). Probes every matching device on success.
   */
  register(modname: string): number {
    requireLabel(modname, 'register(modname)', 'a non-empty module name');
    return this.kernel.call('auxiliary_driver_register', this, modname, () => {
      const fullName = this.name === undefined ? modname : `${modname}.${this.name}`;
      const base = { type: 'REGISTER', probe: this.probe !== null, idTable: this.idTable !== null, nameTaken: false, fault: 'none' } as const;
      let fault: 'none' | 'name-nomem' | 'register-nomem' = 'none';
      let nameTaken = false;
      // Past the WARN_ON checks the kernel allocates driver.name, then driver_register may fail.
      if (this.guardFor({ ...base, fault: 'name-nomem' }) === 'nameNomem') {
        if (this.kernel.faults.shouldFail('driver_name')) fault = 'name-nomem';
        else {
          this._driverName = fullName;
          nameTaken = this.kernel.bus.hasDriver(fullName);
          if (this.guardFor({ ...base, nameTaken, fault: 'register-nomem' }) === 'registerNomem'
            && this.kernel.faults.shouldFail('driver_register')) fault = 'register-nomem';
        }
      }
      return this.send({ ...base, nameTaken, fault }) ?? 0;
    });
  }

  /** `auxiliary_driver_unregister()`: `remove` on every bound device (§1.9). */
  unregister(): void {
    this.kernel.call('auxiliary_driver_unregister', this, undefined, () => { this.send({ type: 'UNREGISTER' }); });
  }

  /** The id-table entry matching a device's match name, if any (§1.7). */
  match(matchName: string): AuxDeviceId | undefined {
    if (typeof matchName !== 'string') throw new ParameterError('match(matchName)', matchName, 'a match name "<modname>.<device name>"');
    return this._idTable?.find((e) => e.name === matchName);
  }

  protected override logFields(event: DriverEvent): Record<string, string> {
    return { ...super.logFields(event), name: this._driverName ?? this.name ?? '(null)' };
  }

  protected override onEffect(e: Effect): void {
    if (e.type === 'attachDevices') this.kernel.bus.attachDriver(this);
    else if (e.type === 'detachDevices') this.kernel.bus.detachDriver(this);
  }
}

/** The spec's fields, read once as data: a getter could touch a kernel object before the refusal. */
interface SpecFields { name: string | undefined; idTable: AuxDeviceId[] | null; probe: AuxDriverSpec['probe']; remove: AuxDriverSpec['remove']; shutdown: AuxDriverSpec['shutdown'] }

function checkSpec(spec: AuxDriverSpec): SpecFields {
  requireObject('auxiliaryDriver(spec)', spec, 'an object { name?, idTable, probe, remove?, shutdown? }');
  const name = dataField(spec, 'name', 'driver.name');
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new ParameterError('driver.name', name, 'a non-empty string, or no name');
  }
  const fns = { probe: null, remove: null, shutdown: null } as Pick<SpecFields, 'probe' | 'remove' | 'shutdown'>;
  for (const fn of ['probe', 'remove', 'shutdown'] as const) {
    const value = dataField(spec, fn, `driver.${fn}`);
    if (value != null && typeof value !== 'function') throw new ParameterError(`driver.${fn}`, value, 'a function, or null');
    fns[fn] = (value ?? null) as never;
  }
  const idTable = dataField(spec, 'idTable', 'driver.idTable');
  return { name: name as string | undefined, idTable: idTable == null ? null : validateIdTable(idTable), ...fns };
}

function validateIdTable(table: unknown): AuxDeviceId[] {
  const expected = 'an array of { name: "<modname>.<device name>" }';
  requireObject('driver.idTable', table, expected);
  if (!Array.isArray(table)) throw new ParameterError('driver.idTable', table, expected);
  return Array.from({ length: table.length }, (_, i) => {
    const where = `driver.idTable[${i}].name`;
    const entry = dataField(table, String(i), `driver.idTable[${i}]`);
    const name = typeof entry === 'object' && entry !== null ? dataField(entry, 'name', where) : undefined;
    if (typeof name !== 'string' || name.length === 0) throw new ParameterError(where, name, 'a non-empty string "<modname>.<device name>"');
    // An entry with no '.' (or an empty part around it) is accepted, as the kernel accepts it:
    // it can never equal a device's match name `<modname>.<name>` (§1.7), so it never matches.
    if (name.length >= AUXILIARY_NAME_SIZE) {
      throw new ParameterError(where, name, `fewer than ${AUXILIARY_NAME_SIZE} characters (AUXILIARY_NAME_SIZE, with the NUL)`);
    }
    const driverData = dataField(entry as object, 'driverData', `driver.idTable[${i}].driverData`);
    return driverData === undefined ? { name } : { name, driverData };
  });
}
