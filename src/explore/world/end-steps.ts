import { stepWorld, type WorldAction, type WorldComponents } from '../../../machines/index.js';
import type { RawState } from './encode.js';
import type { ExplorationInternals } from './explore.js';
import { CodeBits, grown } from './arrays.js';

/** Effects the world's step does nothing with but record (findings) or ignore: they read and write no other component. */
export const INERT = new Set(['violation', 'kernelLog', 'returns', 'saturateKref']);

/**
 * END, composed. The world's END (world.step.ts) sends END to each device in slot order, then END
 * to the IDA with the devices now flagged excused, and marks the world ended. When those steps
 * name only inert effects (findings), END's result is theirs: each device's next state depends on
 * that device alone, the IDA's on the IDA and the excused set. Each is remembered from the first
 * state whose END runs through the world's step (which records the component steps it makes, and
 * checks that composing the remembered ones gives exactly the world step's result); a device or
 * IDA state whose END names another effect is never composed (END then runs the world's step).
 */
export class EndSteps {
  /** Per interned device state: its state after END (-1 not known yet, -2 never composed), whether it is then flagged, its findings' codes. */
  private devNext = new Int32Array(64).fill(-1);
  private devFlagged = new Uint8Array(64);
  private devMask = new Int32Array(64);
  /** Per (IDA, excused slots): the IDA after END (-2: never composed) and its findings' codes. */
  private readonly idaMemo = new Map<number, { next: number; mask: number }>();
  private lastIdaKey = -1;
  private lastIda: { next: number; mask: number } | undefined;
  /** The IDA after the last `step`. */
  ida = 0;
  private readonly devShift: number;
  private readonly low: number;
  private readonly trace: Array<{ to: 'dev' | 'ida'; from: number; event: string; next: number; actions: readonly WorldAction[] }> = [];
  private readonly recorder: WorldComponents<number, number, number>;

  constructor(private readonly x: ExplorationInternals, private readonly bits: CodeBits) {
    this.devShift = x.codec.devShift;
    this.low = (1 << this.devShift) - 1;
    const world = x.comps.world;
    this.recorder = {
      device: {
        ...world.device,
        step: (d, e) => {
          const r = world.device.step(d, e);
          this.trace.push({ to: 'dev', from: d, event: e.type, next: r[0], actions: r[1] });
          return r;
        },
      },
      ida: {
        ...world.ida,
        step: (i, e) => {
          const r = world.ida.step(i, e);
          this.trace.push({ to: 'ida', from: i, event: e.type, next: r[0], actions: r[1] });
          return r;
        },
      },
      driver: world.driver,
    };
  }

  /**
   * END on `raw`: writes the slots after it into `next` and the IDA into `this.ida`; returns
   * its findings' codes (`CodeBits`; 0: none).
   */
  step(raw: RawState, next: Int32Array, at: number): number {
    const r = this.composed(raw, next);
    return r >= 0 ? r : this.run(raw, next, at);
  }

  /** END from the remembered component steps, or -1 when one of them is not known (or never composed). */
  private composed(raw: RawState, next: Int32Array): number {
    const slots = raw.slots;
    let excused = 0;
    let mask = 0;
    for (let i = 0; i < slots.length; i++) {
      const v = slots[i]!;
      const dv = v >>> this.devShift;
      if (dv === 0) {
        next[i] = v;
        continue;
      }
      const d = dv - 1;
      if (d >= this.devNext.length) return -1;
      const nd = this.devNext[d]!;
      if (nd < 0) return -1;
      next[i] = (v & this.low) | ((nd + 1) << this.devShift);
      excused |= this.devFlagged[d]! << i;
      mask |= this.devMask[d]!;
    }
    const key = raw.ida * 64 + excused;
    let ie = this.lastIdaKey === key ? this.lastIda : undefined;
    if (ie === undefined) {
      ie = this.idaMemo.get(key);
      if (ie === undefined) return -1;
      this.lastIdaKey = key;
      this.lastIda = ie;
    }
    if (ie.next < 0) return -1;
    this.ida = ie.next;
    return mask | ie.mask;
  }

  /** END through the world's step: remembers its component steps, and checks the composition against it. */
  private run(raw: RawState, next: Int32Array, at: number): number {
    const { codec, comps, params } = this.x;
    comps.at(at);
    const state = codec.toState(raw);
    const w = state.world;
    const trace = this.trace;
    trace.length = 0;
    const r = stepWorld(this.recorder, params, w, { type: 'END' });
    const s = r.state;
    if (r.returned !== undefined || !s.ended || s.driverOrder.join() !== w.driverOrder.join() || s.drivers.join() !== w.drivers.join()) {
      throw new Error('internal error: END returned a value or changed the drivers; the explorer stores its result as if it did not');
    }
    const inert = (t: (typeof trace)[number]) => t.actions.every((a) => INERT.has(a.type));
    const live = w.devices.flatMap((d, i) => (d === null ? [] : [i]));
    // With inert effects END makes exactly these steps: END to each device in slot order, then END to the IDA.
    const plain = trace.length === live.length + 1
      && live.every((i, n) => trace[n]!.to === 'dev' && trace[n]!.event === 'END' && trace[n]!.from === w.devices[i])
      && trace[live.length]!.to === 'ida' && trace[live.length]!.event === 'END' && trace[live.length]!.from === w.ida;
    if (!plain) {
      // Some device's END did more than report (its effects made more steps), or END first ran the
      // device's pending release (model.md §4.6): END never composes with that device state.
      const culprit = trace.find((t) => t.to === 'dev' && (t.event !== 'END' || !inert(t)) && w.devices.includes(t.from));
      if (culprit === undefined) throw new Error('internal error: END made steps the explorer cannot attribute to a device');
      this.grow(culprit.from);
      this.devNext[culprit.from] = -2;
    } else {
      let excused = 0;
      live.forEach((i, n) => {
        const t = trace[n]!;
        const d = t.from;
        const flagged = comps.world.device.flagged(t.next);
        if (flagged) excused |= 1 << i;
        this.grow(d);
        if (this.devNext[d] === -2) return;
        if (!inert(t)) {
          this.devNext[d] = -2;
          return;
        }
        const mask = this.bits.mask(r.findings.filter((f) => f.dev === i));
        if (this.devNext[d]! >= 0 && (this.devNext[d] !== t.next || this.devFlagged[d] !== +flagged || this.devMask[d] !== mask)) {
          throw new Error(`internal error: END of device state ${d} differs between two states; the explorer's END composition is wrong`);
        }
        this.devNext[d] = t.next;
        this.devFlagged[d] = +flagged;
        this.devMask[d] = mask;
      });
      const t = trace[live.length]!;
      const key = w.ida * 64 + excused;
      if (!this.idaMemo.has(key)) {
        this.idaMemo.set(key, inert(t) ? { next: t.next, mask: this.bits.mask(r.findings.filter((f) => f.dev === undefined)) } : { next: -2, mask: 0 });
      }
    }
    // The world step's own result, as the explorer stores it.
    for (let i = 0; i < params.devices; i++) next[i] = codec.slotValue(s.devices[i]!, s.ids[i]!, s.onBus[i]!, s.boundTo[i]!, state.code.slots[i]!);
    const mask = this.bits.mask(r.findings);
    // Composing the remembered steps must give the same state and the same codes.
    const check = new Int32Array(params.devices);
    const composed = this.composed(raw, check);
    if (composed >= 0 && (composed !== mask || this.ida !== s.ida || check.some((v, i) => v !== next[i]))) {
      throw new Error('internal error: END composed from its component steps differs from the world\'s step; the explorer\'s END composition is wrong');
    }
    this.ida = s.ida;
    return mask;
  }

  private grow(d: number): void {
    this.devNext = grown(this.devNext, d + 1, -1);
    this.devFlagged = grown(this.devFlagged, d + 1, 0);
    this.devMask = grown(this.devMask, d + 1, 0);
  }
}
