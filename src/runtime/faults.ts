import { ParameterError, requireBool, requireInt, requireObject } from '../../machines/index.js';

/**
 * Places where the model can make a call fail, as the kernel's fault injection would:
 * allocations (`kzalloc`, the IDA's bitmap, the device name, device_add's internals, the driver
 * name, bus_add_driver, the devres node) and a driver's probe.
 */
export const FAULT_SITES = ['kzalloc', 'ida_alloc', 'dev_set_name', 'device_add', 'driver_name', 'driver_register', 'probe', 'devres'] as const;
/** One fault site. */
export type FaultSite = (typeof FAULT_SITES)[number];

/** A fallible call as the injector saw it. */
export interface FallibleCall {
  /** 1-based count of fallible calls in this kernel. */
  nth: number;
  site: FaultSite;
  /** Whether it was made to fail. */
  failed: boolean;
  /** The step of the API call it belongs to. */
  step: number;
}

/** Most calls {@link FaultInjector.failNths} arms at once. */
export const MAX_ARMED_FAULTS = 64;

/**
 * Deterministic fault injection, like `/proc/<tid>/fail-nth`: `failNth(n)` makes the n-th fallible
 * call from now fail; `failNths([a, b])` makes several fail (the a-th and the b-th from now);
 * `failSite(site, k)` makes the k-th call at that site fail. Every fallible call is logged, so an
 * explorer can run n = 1, 2, ... until a run hits no injected fault.
 * @example
 * k.faults.failNth(2);           // the second fallible call from now returns its error
 * k.faults.failNths([1, 3]);     // the first and the third fallible calls from now fail instead
 * k.faults.failSite('device_add'); // the next device_add fails with -ENOMEM
 */
export class FaultInjector {
  private count = 0;
  /** Absolute numbers of the fallible calls that must fail, ascending (empty: none). */
  private nthTargets: number[] = [];
  /** Per site (index in FAULT_SITES): calls so far and the call that must fail (0: none). */
  private readonly siteCounts = new Array<number>(FAULT_SITES.length).fill(0);
  private readonly siteTargets = new Array<number>(FAULT_SITES.length).fill(0);
  private readonly failed: FallibleCall[] = [];
  private readonly logged: FallibleCall[] = [];
  private _trace = true;

  /**
   * Log every fallible call in `calls` (default on). Off, only the failed ones are kept: what a
   * long run (a benchmark, an explorer) needs. Set it before the run.
   */
  get trace(): boolean {
    return this._trace;
  }
  set trace(on: boolean) {
    this._trace = requireBool('faults.trace', on);
  }

  constructor(private readonly currentStep: () => number) {}

  /** Makes the n-th fallible call from now fail (n >= 1); 0 cancels. Replaces what failNth / failNths armed. */
  failNth(n: number): void {
    requireInt('failNth(n)', n, 0, 2 ** 31 - 1);
    this.nthTargets = n === 0 ? [] : [this.count + n];
  }

  /**
   * Makes each of the ns-th fallible calls from now fail (each n >= 1, no repeats, at most
   * {@link MAX_ARMED_FAULTS}); `[]` cancels. Replaces what failNth / failNths armed, like
   * failNth; `failSite` targets are kept. Bad input throws a ParameterError and arms nothing.
   * @example
   * k.faults.failNths([2, 5]); // the 2nd and the 5th fallible calls from now fail, the others succeed
   */
  failNths(ns: readonly number[]): void {
    requireObject('failNths(ns)', ns, 'an array of distinct integers n >= 1');
    if (!Array.isArray(ns)) throw new ParameterError('failNths(ns)', ns, 'an array of distinct integers n >= 1');
    if (ns.length > MAX_ARMED_FAULTS) throw new ParameterError('failNths(ns)', ns, `at most ${MAX_ARMED_FAULTS} calls`);
    ns.forEach((n, i) => requireInt(`failNths(ns)[${i}]`, n, 1, 2 ** 31 - 1));
    const sorted = [...ns].sort((a, b) => a - b);
    const repeated = sorted.find((n, i) => i > 0 && sorted[i - 1] === n);
    if (repeated !== undefined) throw new ParameterError('failNths(ns)', ns, `distinct integers (${repeated} is given twice)`);
    this.nthTargets = sorted.map((n) => this.count + n);
  }

  /** Makes the k-th call at `site` from now fail (default: the next one); 0 cancels. */
  failSite(site: FaultSite, k = 1): void {
    const i = (FAULT_SITES as readonly string[]).indexOf(site);
    if (i < 0) throw new ParameterError('failSite(site)', site, `one of ${FAULT_SITES.join(', ')}`);
    requireInt('failSite(k)', k, 0, 2 ** 31 - 1);
    this.siteTargets[i] = k === 0 ? 0 : this.siteCounts[i]! + k;
  }

  /** Whether an injected fault has fired. */
  get injected(): boolean {
    return this.failed.length > 0;
  }

  /** How many fallible calls were made. */
  get total(): number {
    return this.count;
  }

  /** Every fallible call so far (with `trace` off: only those that failed). */
  get calls(): readonly FallibleCall[] {
    return this._trace ? this.logged : this.failed;
  }

  /** The calls that were made to fail. */
  get failures(): readonly FallibleCall[] {
    return this.failed;
  }

  /** Called by the runtime at every fallible call: true when this one must fail. */
  shouldFail(site: FaultSite): boolean {
    const nth = ++this.count;
    const i = SITE_INDEX[site];
    const atSite = ++this.siteCounts[i]!;
    let fail = false;
    if (this.nthTargets.length > 0 && this.nthTargets[0] === nth) {
      fail = true;
      this.nthTargets.shift();
    }
    if (this.siteTargets[i] === atSite) {
      fail = true;
      this.siteTargets[i] = 0;
    }
    if (fail || this._trace) {
      const call = { nth, site, failed: fail, step: this.currentStep() };
      if (fail) this.failed.push(call);
      if (this._trace) this.logged.push(call);
    }
    return fail;
  }
}

const SITE_INDEX = Object.fromEntries(FAULT_SITES.map((s, i) => [s, i])) as Record<FaultSite, number>;
