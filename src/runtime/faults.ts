import { ParameterError, requireInt } from '../../machines/index.js';

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

/**
 * Deterministic fault injection, like `/proc/<tid>/fail-nth`: `failNth(n)` makes the n-th fallible
 * call from now fail; `failSite(site, k)` makes the k-th call at that site fail. Every fallible
 * call is logged, so an explorer can run n = 1, 2, ... until a run hits no injected fault.
 * @example
 * k.faults.failNth(2);           // the second fallible call from now returns its error
 * k.faults.failSite('device_add'); // the next device_add fails with -ENOMEM
 */
export class FaultInjector {
  private count = 0;
  private nthTarget = 0;
  private readonly siteTargets = new Map<FaultSite, number>();
  private readonly siteCounts = new Map<FaultSite, number>();
  /** Every fallible call so far. */
  readonly calls: FallibleCall[] = [];

  constructor(private readonly currentStep: () => number) {}

  /** Makes the n-th fallible call from now fail (n >= 1); 0 cancels. */
  failNth(n: number): void {
    requireInt('failNth(n)', n, 0, 2 ** 31 - 1);
    this.nthTarget = n === 0 ? 0 : this.count + n;
  }

  /** Makes the k-th call at `site` from now fail (default: the next one); 0 cancels. */
  failSite(site: FaultSite, k = 1): void {
    if (!(FAULT_SITES as readonly string[]).includes(site)) {
      throw new ParameterError('failSite(site)', site, `one of ${FAULT_SITES.join(', ')}`);
    }
    requireInt('failSite(k)', k, 0, 2 ** 31 - 1);
    if (k === 0) this.siteTargets.delete(site);
    else this.siteTargets.set(site, (this.siteCounts.get(site) ?? 0) + k);
  }

  /** Whether an injected fault has fired. */
  get injected(): boolean {
    return this.calls.some((c) => c.failed);
  }

  /** Called by the runtime at every fallible call: true when this one must fail. */
  shouldFail(site: FaultSite): boolean {
    this.count++;
    const atSite = (this.siteCounts.get(site) ?? 0) + 1;
    this.siteCounts.set(site, atSite);
    let failed = false;
    if (this.nthTarget === this.count) {
      failed = true;
      this.nthTarget = 0;
    }
    if (this.siteTargets.get(site) === atSite) {
      failed = true;
      this.siteTargets.delete(site);
    }
    this.calls.push({ nth: this.count, site, failed, step: this.currentStep() });
    return failed;
  }
}
