import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { deviceMachine, type DeviceEvent } from '../machines/index.js';
import { Kernel, ViolationError, type AuxDevice, type KernelMode, type ParentDevice } from '../src/index.js';

/**
 * A devm_kzalloc()ed device (§1.6, model.md §4.6) driven on the runtime and on the device
 * machine at once, for `npm run soak`: the runtime's devres frees the container when the parent
 * unbinds (DEVRES_FREE), the machine decides what that is. After each call the two must agree
 * on the findings, the value returned, the reference count and the device's tags.
 */

type Snap = SnapshotFrom<typeof deviceMachine>;
type Action = { type: string; params?: { value?: number; code?: string } };

/** The calls a driver's code makes on one devm device (DEVRES_FREE: the parent unbinds). */
export const DEVRES_CALLS = ['INIT', 'ADD', 'DELETE', 'UNINIT', 'GET', 'PUT', 'KFREE', 'DEVRES_FREE', 'READ', 'WRITE', 'END'] as const;
export type DevresCall = (typeof DEVRES_CALLS)[number];

const EVENT: Record<DevresCall, DeviceEvent> = {
  INIT: { type: 'INIT', parent: true, name: true },
  ADD: { type: 'ADD', modname: true, nameTaken: false, fault: 'none' },
  DELETE: { type: 'DELETE' }, UNINIT: { type: 'UNINIT' }, GET: { type: 'GET' }, PUT: { type: 'PUT' },
  KFREE: { type: 'KFREE' }, DEVRES_FREE: { type: 'DEVRES_FREE' },
  READ: { type: 'READ', field: 'id' }, WRITE: { type: 'WRITE', field: 'priv' }, END: { type: 'END' },
};

/** One devm device, on both sides. */
export class DevresPair {
  readonly k: Kernel;
  readonly pdev: ParentDevice;
  readonly adev: AuxDevice;
  private model: Snap;
  private reported = 0;
  private unbound = false;
  /** Whether the run is over (END, or a strict-mode violation stopped it). */
  done = false;

  constructor(readonly mode: KernelMode, readonly hasRelease: boolean) {
    this.k = new Kernel({ mode });
    this.pdev = this.k.parentDevice('pci0');
    this.adev = this.k.devmKzallocDevice(this.pdev, 'devm')!;
    this.adev.fill({ name: 'foo', parent: this.pdev });
    // The correct devm release: empty, devres frees the container (§1.6).
    if (hasRelease) this.adev.release = () => {};
    this.reported = this.k.violations.length;
    [this.model] = initialTransition(deviceMachine, { hasRelease: false, devm: true });
    if (hasRelease) this.step({ type: 'SET_RELEASE', present: true });
  }

  /** The calls that make sense now: devres frees once (the parent's devres list is then empty). */
  calls(): readonly DevresCall[] {
    return this.unbound ? DEVRES_CALLS.filter((c) => c !== 'DEVRES_FREE') : DEVRES_CALLS;
  }

  private step(event: DeviceEvent): Action[] {
    const [next, actions] = transition(deviceMachine, this.model, event);
    if (event.type !== 'END') this.model = next;
    return actions as Action[];
  }

  /** The machine's side of a call, with the kernel's own steps it causes (the release). */
  private modelCall(event: DeviceEvent): { returned: number | undefined; violations: string[] } {
    const actions = this.step(event);
    // Immediate release timing: the count reached 0, the release runs now, and returns.
    if (actions.some((a) => a.type === 'scheduleRelease')) {
      const ran = this.step({ type: 'RUN_RELEASE' });
      actions.push(...ran);
      if (ran.some((a) => a.type === 'runRelease')) actions.push(...this.step({ type: 'RELEASED' }));
    }
    return {
      returned: actions.find((a) => a.type === 'returns')?.params?.value,
      violations: actions.filter((a) => a.type === 'violation').map((a) => a.params!.code!),
    };
  }

  private runtimeCall(call: DevresCall): number | undefined {
    const { k, adev } = this;
    switch (call) {
      case 'INIT': return adev.init();
      case 'ADD': return adev.add('mymod');
      case 'DELETE': return void adev.delete();
      case 'UNINIT': return void adev.uninit();
      case 'GET': return void adev.get();
      case 'PUT': return void adev.put();
      case 'KFREE': return void k.kfree(adev);
      case 'DEVRES_FREE': this.unbound = true; return void this.pdev.unbind();
      case 'READ': return void adev.id;
      case 'WRITE': return void adev.setField('priv', 1);
      case 'END': return undefined;
    }
  }

  /** Makes `call` on both sides; returns the disagreements (none: they agree). */
  apply(call: DevresCall): string[] {
    const out: string[] = [];
    const label = `${this.mode} ${this.hasRelease ? 'with' : 'without'} release: ${call}`;
    const differ = (what: string, runtime: unknown, model: unknown) => {
      const a = JSON.stringify(runtime);
      const b = JSON.stringify(model);
      if (a !== b) out.push(`${label}: ${what}: runtime ${a}, model ${b}`);
    };
    const expected = this.modelCall(EVENT[call]);
    let returned: number | undefined;
    let found: string[];
    try {
      returned = this.runtimeCall(call);
      if (call === 'END') {
        found = this.k.report().leaks.map((f) => f.code);
        this.done = true;
      } else found = this.k.violations.slice(this.reported).map((f) => f.code);
    } catch (e) {
      if (!(e instanceof ViolationError)) throw e;
      // Strict mode stops the code at the first violation: it must be the model's first.
      differ('strict violation', e.finding.code, expected.violations[0]);
      this.done = true;
      return out;
    }
    this.reported = this.k.violations.length;
    differ('findings', [...found].sort(), [...expected.violations].sort());
    const valued = call === 'INIT' || call === 'ADD';
    differ('returned', returned, expected.returned ?? (valued ? 0 : undefined));
    differ('refcount', this.adev.refcount, this.model.context.refs + this.model.context.busRefs);
    for (const tag of ['live', 'dead', 'refcounted', 'freed', 'releasePending'] as const) {
      differ(tag, this.adev.hasTag(tag), this.model.hasTag(tag));
    }
    return out;
  }
}
