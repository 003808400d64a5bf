import { stepWorld, type WorldEvent, type WorldState } from '../../../machines/index.js';
import type { RawState } from './encode.js';
import type { ExplorationInternals } from './explore.js';
import { REGISTER_KEY, type DriverSteps } from './shared-steps.js';
import { CodeBits } from './arrays.js';
import { INERT } from './end-steps.js';


/** What a driver call does to the devices: nothing, attach (probe the unbound on the bus), detach (unbind its own). */
const NONE = 0;
const ATTACH = 1;
const DETACH = 2;
/** Remembered as never composed: the call runs the world's step (through `DriverSteps`). */
const NEVER = -2;

type World = WorldState<number, number, number>;

/**
 * Driver calls (register, unregister), composed per device slot, as END is (issue 17 item 3):
 * without it each such call is looked up per whole world, which is nearly every state once.
 * `stepWorld`'s register steps the driver machine, whose `attachDevices` appends the driver to the
 * order and probes each device on the bus that is not bound, in slot order (an injected bind
 * failure taken by the first probe tried); unregister's `detachDevices` takes it out and unbinds
 * each device bound to it. So a slot's result depends on that slot, the driver and whether the
 * bind failure is still pending, and the driver's own on its state, the call and the order.
 * Each part is remembered from the world's own step on a projection of the state (the other
 * slots emptied, or all of them), and the first composition that uses a part just remembered is
 * checked against the world's step on the whole state (an internal error if they differ). A part
 * whose steps name any effect but findings (and the wiring above) is never composed.
 */
export class ComposedDriverCalls {
  /** Per (driver state, call, order): the driver's next state, what the call does, returned, the order after, findings' codes. */
  private readonly calls = new Map<number, { next: number; kind: number; returned: number | undefined; order: number; mask: number }>();
  /** Per (slot value without code, driver, kind, bind failure pending): the slot after (NEVER: not composed), whether a probe ran, codes. */
  private readonly slots = new Map<number, { next: number; probed: boolean; mask: number }>();
  private readonly k: number;
  private readonly d: number;
  private readonly codeMask: number;
  private readonly moduleBits: number;
  private readonly check: Int32Array;
  /** After a composed `step`: the driver order, the called driver's next state, what the call returned. */
  order = 0;
  driver = 0;
  driverNext = 0;
  returned: number | undefined;
  /** Whether the last `step` used a part remembered during it (the caller then checks it against the world's step). */
  fresh = false;

  constructor(private readonly x: ExplorationInternals, private readonly bits: CodeBits) {
    this.k = x.params.devices;
    this.d = x.params.drivers.length;
    this.codeMask = (1 << x.code.slotBits) - 1;
    this.moduleBits = x.code.driverBits;
    this.check = new Int32Array(this.k);
  }

  /**
   * The driver call `event` on `raw`, composed: writes every slot after it (without code bits)
   * into `next` and returns its findings' codes (`CodeBits`), or -1 when it is not composed.
   * `at`: the transition's number, for the coverage of component steps learnt on the way.
   */
  step(raw: RawState, event: Extract<WorldEvent, { type: 'DRV_REGISTER' | 'DRV_UNREGISTER' }>, next: Int32Array, at: number): number {
    this.fresh = false;
    // A part learnt here is a component step of this very transition: coverage names it.
    this.x.comps.at(at);
    const j = event.drv;
    const r = raw.drivers[j]! >>> this.moduleBits;
    const ev = event.type === 'DRV_REGISTER' ? 1 + REGISTER_KEY[event.fault] : 0;
    const callKey = ((r * 4 + ev) * 4 + j) * 4096 + raw.order;
    let call = this.calls.get(callKey);
    if (call === undefined) {
      call = this.learnCall(raw, event);
      this.calls.set(callKey, call);
      this.fresh = true;
    }
    if (call.kind === NEVER) return -1;
    let mask = call.mask;
    let pending = call.kind === ATTACH && event.type === 'DRV_REGISTER' && event.fault === 'bind-nomem';
    for (let i = 0; i < this.k; i++) {
      const v = raw.slots[i]! & ~this.codeMask;
      if (call.kind === NONE) {
        next[i] = v;
        continue;
      }
      const key = ((v * this.d + j) * 3 + call.kind) * 2 + +pending;
      let s = this.slots.get(key);
      if (s === undefined) {
        s = this.learnSlot(raw, event, i, pending);
        this.slots.set(key, s);
        this.fresh = true;
      }
      if (s.next === NEVER) return -1;
      next[i] = s.next;
      mask |= s.mask;
      if (s.probed) pending = false;
    }
    this.order = call.order;
    this.driver = j;
    this.driverNext = call.next;
    this.returned = call.returned;
    return mask;
  }

  /** The world of `raw` with every slot but `keep` emptied (no container, no id, off the bus, unbound). */
  private projected(raw: RawState, keep: number): World {
    const w = this.x.codec.toState(raw).world as World;
    for (let i = 0; i < this.k; i++) {
      if (i === keep) continue;
      w.devices[i] = null;
      w.ids[i] = -1;
      w.onBus[i] = false;
      w.boundTo[i] = -1;
    }
    return w;
  }

  /** The driver's part, from the world's step with every slot emptied. */
  private learnCall(raw: RawState, event: WorldEvent) {
    const { comps, params } = this.x;
    const w = this.projected(raw, -1);
    // The driver's steps during the call: what its machine named decides what the call does to the devices.
    const named: string[] = [];
    const world = comps.world;
    const recorder = { ...world, driver: { ...world.driver, step: (d: number, e: Parameters<typeof world.driver.step>[1]) => {
      const res = world.driver.step(d, e);
      for (const a of res[1]) if (!INERT.has(a.type)) named.push(a.type);
      return res;
    } } };
    const r = stepWorld(recorder, params, w, event);
    const wiring = named;
    const kind = wiring.length === 0 ? NONE : wiring.length === 1 && wiring[0] === 'attachDevices' ? ATTACH : wiring.length === 1 && wiring[0] === 'detachDevices' ? DETACH : NEVER;
    const s = r.state;
    const j = (event as { drv: number }).drv;
    // Only the called driver and the order may change, never the IDA or another driver.
    if (kind === NEVER || s.ida !== w.ida || s.drivers.some((v, n) => n !== j && v !== w.drivers[n])) return { next: 0, kind: NEVER, returned: undefined, order: 0, mask: 0 };
    let order = s.driverOrder.length;
    for (let n = 0; n < s.driverOrder.length; n++) order |= s.driverOrder[n]! << (2 + 2 * n);
    return { next: s.drivers[j]!, kind, returned: r.returned, order, mask: this.bits.mask(r.findings) };
  }

  /** Slot i's part, from the world's step with the other slots emptied (the bind failure as pending says). */
  private learnSlot(raw: RawState, event: Extract<WorldEvent, { type: 'DRV_REGISTER' | 'DRV_UNREGISTER' }>, i: number, pending: boolean) {
    const { comps, params, codec } = this.x;
    const w = this.projected(raw, i);
    const probing: WorldEvent = event.type === 'DRV_REGISTER' ? { ...event, fault: pending ? 'bind-nomem' : 'none' } : event;
    // The device's steps during the call, to see whether a probe ran and what each named.
    const steps: Array<readonly { type: string }[]> = [];
    const world = comps.world;
    const recorder = { ...world, device: { ...world.device, step: (d: number, e: Parameters<typeof world.device.step>[1]) => {
      const res = world.device.step(d, e);
      steps.push(res[1]);
      return res;
    } } };
    const r = stepWorld(recorder, params, w, probing);
    const s = r.state;
    const plain = steps.every((acts) => acts.every((a) => INERT.has(a.type) || a.type === 'driverRemove'));
    if (!plain || s.ida !== w.ida) return { next: NEVER, probed: false, mask: 0 };
    const slotFindings = r.findings.filter((f) => f.dev === i);
    return {
      next: codec.slotValue(s.devices[i]!, s.ids[i]!, s.onBus[i]!, s.boundTo[i]!, 0),
      probed: event.type === 'DRV_REGISTER' && steps.length > 0,
      mask: this.bits.mask(slotFindings),
    };
  }

  /**
   * Checks the last composed step against the world's own (entry `n` of `steps`): an internal
   * error when they differ, as the composition would then store wrong states.
   */
  verify(steps: DriverSteps, n: number, raw: RawState, next: Int32Array, mask: number): void {
    steps.slotsOf(n, this.check);
    const same = this.check.every((v, i) => v === next[i]) && steps.resOrder[n] === this.order && steps.driverState(n, this.driver) === this.driverNext
      && steps.resMask[n] === mask && steps.returned(n) === this.returned && steps.resIda[n] === raw.ida;
    if (!same) throw new Error('internal error: a driver call composed from its slots differs from the world\'s step; the explorer\'s driver composition is wrong');
  }
}
