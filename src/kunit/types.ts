import type { WorldCall, WorldEvent, WorldParams } from '../../machines/index.js';
import type { ExampleOmission, ExampleOrigin, InjectedSite } from './examples.js';
import type { KunitSweep } from './sweep.js';
import type { ViolationCase } from './violations.js';

/**
 * What the model predicts a real kernel shows of one device slot after a step. Memory the model
 * says is freed is never read: only the release count, kept outside the container, is compared.
 */
export interface KunitDeviceExpectation {
  slot: number;
  /** The container's memory is still valid: kref and registration can be read. */
  valid: boolean;
  /** `kref_read(&adev->dev.kobj.kref)` (§3.2, §3.4), when `valid`. */
  kref?: number;
  /** `device_is_registered(&adev->dev)`: in the bus's lists (§3.5), when `valid`. */
  registered?: boolean;
  /** How many times the release callback has run for this slot (§2.3, §3.6). */
  released: number;
}

/** What the model predicts after one call of a case. */
export interface KunitStep {
  /** The call, as the world explorer names it. */
  event: WorldEvent;
  /** The call as a kernel developer reads it, e.g. `dev0: auxiliary_device_add()`. */
  text: string;
  /** Part of the clean-up the generator appended (the shortest correct teardown), not of the path. */
  teardown: boolean;
  /** What the call returns, for calls that return a value. */
  returns?: number;
  /** The kernel's callbacks into the code during the call, in order (probe, remove, release). */
  calls: WorldCall[];
  devices: KunitDeviceExpectation[];
  /** The id the code holds for each slot after the call (-1: none), as the model's world keeps it. */
  ids: number[];
  /** The IDA after the call: its lowest free id in the world's range (-ENOSPC when none) and whether it is empty (§4). */
  ida: { lowest: number; empty: boolean };
  /**
   * The call is made to fail on the kernel with fail-nth, where the routine explorer made it fail
   * (an example's path): the case finds which of the call's allocations fails it there.
   */
  inject?: InjectedSite;
}

/** One generated KUnit case: a path of the model's world, with every outcome it predicts. */
export interface KunitCase {
  /** The C identifier of the case (the KUnit case name), unique in the suite. */
  name: string;
  /** Index into the suite's worlds. */
  world: number;
  /** The model transitions this path is the first to take (`transitionId`s). */
  covers: string[];
  steps: KunitStep[];
  /** For a bundled example's path: the example, the path and the routine's calls. */
  example?: ExampleOrigin;
}

/** A generated suite, before it is written as C. */
export interface KunitSuite {
  /** The KUnit suite name. */
  name: string;
  /** The worlds the cases run in: their parameters decide the release callback and the drivers. */
  worlds: WorldParams[];
  cases: KunitCase[];
  /** Fail-nth sweeps of the calls that can fail (their `world` indexes `worlds` too). */
  sweeps: KunitSweep[];
  /** One case per violation code, each for a kernel boot of its own (suite `<name>_violations`). */
  violations: ViolationCase[];
  /**
   * The bundled examples' explored paths (src/kunit/examples.ts): clean ones run with the cases,
   * violating ones each in a boot of its own with the violation cases; the paths left out, with why.
   */
  examples: { cases: KunitCase[]; violations: ViolationCase[]; omitted: ExampleOmission[] };
  /** Transition coverage of each component machine by everything the suite runs (see `suiteCoverage`). */
  coverage: Array<{ machine: 'device' | 'ida' | 'driver'; taken: number; total: number; missing: string[] }>;
}
