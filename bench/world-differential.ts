import {
  allocNeedsMemory, lowestFree, type WorldEvent, type WorldLogic, type WorldSnapshot,
} from '../machines/index.js';
import { Kernel, ViolationError, type AuxDevice, type AuxDriver, type FaultSite, type Ida, type KernelMode, type ParentDevice } from '../src/index.js';

/**
 * The runtime side of the world differential (test/runtime/differential.test.ts, `npm run soak`):
 * a world's calls made on the runtime through its public API, and a comparison of the two after
 * each call that lists every disagreement in words (empty when they agree).
 */

/** Runs world events on a runtime Kernel, as a driver's code would make them. */
export class RuntimeWorld {
  readonly k: Kernel;
  readonly pdev: ParentDevice;
  readonly ida: Ida;
  readonly devices: Array<AuxDevice | null>;
  readonly ids: number[];
  readonly drivers: AuxDriver[];
  private reported = 0;
  /** The code's calls (not the kernel's RELEASE steps) and what each returned, in order. */
  readonly calls: Array<{ event: WorldEvent; returned: number | undefined }> = [];
  /** Every code reported, violations and the end check's leaks. */
  readonly codes: string[] = [];

  constructor(readonly world: WorldLogic, mode: KernelMode = 'audit') {
    const p = world.params;
    // A deferred world's RELEASE steps are the kernel's delayed cleanups (model.md §4.6).
    this.k = new Kernel({ mode, release: p.deferredRelease ? 'deferred' : 'immediate' });
    this.pdev = this.k.parentDevice('pci0');
    this.ida = this.k.idaInit('ida');
    this.devices = Array.from({ length: p.devices }, () => null);
    this.ids = Array.from({ length: p.devices }, () => -1);
    this.drivers = p.drivers.map((d, i) => this.k.auxiliaryDriver({
      name: `d${i}`, idTable: [{ name: 'mymod.foo' }], probe: () => (d.probe === 'ok' ? 0 : -12), remove: () => {},
    }));
  }

  private withFault<T>(site: FaultSite, fail: boolean, fn: () => T): T {
    if (fail) this.k.faults.failSite(site);
    try {
      return fn();
    } finally {
      if (fail) this.k.faults.failSite(site, 0);
    }
  }

  /** Runs one world event on the runtime; returns what the call returned. */
  apply(e: WorldEvent): number | undefined {
    const returned = this.call(e);
    if (e.type !== 'RELEASE') this.calls.push({ event: e, returned });
    return returned;
  }

  private call(e: WorldEvent): number | undefined {
    const { k, ida } = this;
    const release = this.world.params.release;
    const d = 'dev' in e ? this.devices[e.dev]! : null;
    switch (e.type) {
      case 'KZALLOC': {
        const adev = this.withFault('kzalloc', e.fail, () => k.kzallocDevice(`slot ${e.dev}`));
        if (!adev) return 0;
        const slot = e.dev;
        adev.name = 'foo';
        adev.parent = this.pdev;
        if (this.ids[slot]! >= 0) adev.id = this.ids[slot]!;
        if (release.present) {
          adev.release = (dev) => {
            if (release.freesId && this.ids[slot]! >= 0) ida.free(this.ids[slot]!, dev);
            if (release.freesContainer) k.kfree(dev);
          };
        }
        this.devices[slot] = adev;
        return undefined;
      }
      case 'IDA_ALLOC': {
        const { min, max } = this.world.params.idaRange;
        const id = this.withFault('ida_alloc', e.fail, () => ida.alloc({ min, max }));
        if (id >= 0) {
          this.ids[e.dev] = id;
          if (d) d.id = id;
        }
        return id;
      }
      case 'IDA_FREE':
        if (e.via === 'field') void d!.id;
        ida.free(this.ids[e.dev]!, d ?? 'code');
        return undefined;
      case 'INIT': {
        d!.fill({ parent: e.ok ? this.pdev : null });
        try {
          return d!.init();
        } finally {
          d!.fill({ parent: this.pdev });
        }
      }
      case 'ADD': {
        // bind-nomem: the driver core's bind before the probe, the runtime's probe site.
        const site = e.fault === 'name-nomem' ? 'dev_set_name' : e.fault === 'bind-nomem' ? 'probe' : 'device_add';
        return this.withFault(site, e.fault !== 'none', () => d!.add('mymod'));
      }
      case 'DELETE': return void d!.delete();
      case 'UNINIT': return void d!.uninit();
      case 'GET': return void d!.get();
      case 'PUT': return void d!.put();
      case 'KFREE': return void k.kfree(d);
      case 'READ_ID': return void d!.id;
      case 'RELEASE': return void k.runPendingReleases(d!);
      case 'DRV_REGISTER': return this.withFault(e.fault === 'bind-nomem' ? 'probe' : 'driver_register', e.fault !== 'none', () => this.drivers[e.drv]!.register('aux'));
      case 'DRV_UNREGISTER': return void this.drivers[e.drv]!.unregister();
      case 'END': return undefined;
    }
  }

  /** Violation codes reported since the last call (END: the end check's leaks), sorted. */
  newFindings(end: boolean): string[] {
    if (end) {
      // The end check: what is still pending runs first (its findings are this step's too).
      const r = this.k.report();
      const found = [...r.violations.slice(this.reported).map((f) => f.code), ...r.leaks.map((f) => f.code)];
      this.reported = r.violations.length;
      this.codes.push(...found);
      return found.sort();
    }
    const found = this.k.violations.slice(this.reported).map((f) => f.code);
    this.reported = this.k.violations.length;
    this.codes.push(...found);
    return found.sort();
  }
}

/** Whether an injected ida_alloc failure hits an allocation in the model's world now (model.md §4.7). */
export function idaFaultHits(world: WorldLogic, snapshot: WorldSnapshot): boolean {
  const { min, max } = world.params.idaRange;
  const set = snapshot.context.ida.set;
  return allocNeedsMemory(set, lowestFree(set, min, max));
}

/**
 * The event the runtime is given for a world event: the world fails an ida_alloc only where the
 * kernel allocates memory; the runtime fails every one it is told to, so it is told only there.
 */
export function runtimeEvent(world: WorldLogic, snapshot: WorldSnapshot, event: WorldEvent): WorldEvent {
  return event.type === 'IDA_ALLOC' && event.fail ? { ...event, fail: idaFaultHits(world, snapshot) } : event;
}

/** What one call did on the runtime: the value returned, or the violation strict mode threw. */
export interface RuntimeOutcome {
  returned: number | undefined;
  /** In strict mode, the code of the ViolationError the call threw. */
  threw?: string;
}

/** Runs `event` on the runtime; a strict-mode ViolationError is an outcome, anything else a bug. */
export function applyOutcome(r: RuntimeWorld, event: WorldEvent): RuntimeOutcome {
  try {
    return { returned: r.apply(event) };
  } catch (e) {
    if (e instanceof ViolationError) return { returned: undefined, threw: e.finding.code };
    throw e;
  }
}

/**
 * Compares the runtime with the model after `event` (audit mode): findings, the value returned,
 * and every device's tags, count, driver and bus membership, the ids and ida_is_empty. Returns
 * the disagreements, each with the event; none means they agree.
 */
export function compareStep(next: WorldSnapshot, r: RuntimeWorld, event: WorldEvent, returned: number | undefined): string[] {
  const out: string[] = [];
  const label = JSON.stringify(event);
  const differ = (what: string, runtime: unknown, model: unknown) => {
    const a = JSON.stringify(runtime);
    const b = JSON.stringify(model);
    if (a !== b) out.push(`${label}: ${what}: runtime ${a}, model ${b}`);
  };
  differ('findings', r.newFindings(event.type === 'END'), next.findings.map((f) => f.code).sort());
  // Where the model names no return (a call on released memory), the runtime's init and add return 0.
  const valued = event.type === 'INIT' || event.type === 'ADD';
  differ('returned', returned, next.returned ?? (valued ? 0 : undefined));
  const c = next.context;
  c.devices.forEach((snap, i) => {
    const adev = r.devices[i]!;
    differ(`slot ${i} allocated`, adev !== null, snap !== null);
    if (!snap || !adev) return;
    for (const tag of ['live', 'dead', 'refcounted', 'bound', 'freed', 'releasePending'] as const) {
      differ(`slot ${i} ${tag}`, adev.hasTag(tag), snap.hasTag(tag));
    }
    differ(`slot ${i} refcount`, adev.refcount, snap.context.refs + snap.context.busRefs);
    const drv = c.boundTo[i]!;
    differ(`slot ${i} driver`, adev.driver === undefined ? -1 : r.drivers.indexOf(adev.driver), drv < 0 ? -1 : drv);
    differ(`slot ${i} on bus`, adev.devName !== null && r.k.bus.find(adev.devName) === adev, c.onBus[i]);
  });
  differ('ids', r.ida.allocated, c.ida.set.ids);
  differ('ida_is_empty', r.ida.isEmpty(), c.ida.machine.matches('empty'));
  return out;
}
