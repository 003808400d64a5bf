import type { ViolationCode } from '../../../machines/index.js';
import type { LoweredFunction } from '../ir.js';
import type { Obj, Val } from '../values.js';

/** The file a path runs in: its functions and what the whole file says about devices. */
export interface FileContext {
  file: string;
  functions: ReadonlyMap<string, LoweredFunction>;
  /** Member names used as an embedded `struct auxiliary_device` anywhere in the file (`adev` in `&x->adev`). */
  deviceMembers: ReadonlySet<string>;
  /**
   * The one release callback the file assigns, if exactly one: what a device received from a
   * caller has. It may be one the path cannot see (another file's, or {@link COMPUTED_RELEASE}).
   */
  soleRelease: string | null;
  /** How many different release callbacks the file assigns (0: its devices have none). */
  releaseCount: number;
  /**
   * What a release callback the path cannot see (defined in another file, or a pointer it cannot
   * follow) is taken to do when it runs. The file check runs a function with both and keeps only
   * what both find, so no finding depends on what that callback frees (default `frees-nothing`).
   */
  unknownRelease?: UnknownReleaseShape;
  /**
   * Helpers that cannot change what the model or their caller sees (path/pure.ts): a path runs
   * each where it is called as a summary of its distinct return values.
   */
  pure?: ReadonlySet<string>;
  /**
   * Helpers that cannot touch a device, an IDA or devres, though they may allocate and free plain
   * memory (path/pure.ts): called with arguments that reach nothing the model judges, a path runs
   * one as a function of another file (its result unknown).
   */
  aloof?: ReadonlySet<string>;
  /** Helpers of `pure` whose summary took too many runs: run inline from then on (filled as paths run). */
  unsummarised?: Set<string>;
  /** Helpers of `pure` whose outcomes are told apart by what their runs learnt too (filled as paths run). */
  precise?: Set<string>;
  /**
   * States the function's paths were in at its merge points (merge-key.ts `mergeKey`), with the path
   * that was first there and the loop turns it had taken: another path that reaches one, with no
   * more turns left, ends there. Absent: no merging.
   */
  visited?: Map<string, object>;
  /**
   * The fates of settled devices (settled.ts) that a path of this run carried to its end, where
   * the parent's unbind judged them: a path carrying only such may end at a state met before.
   */
  judged?: Set<string>;
  /**
   * Summaries already run by a path of this run, by the choices made before the call (see run.ts
   * `callSameFile`): the choices of each distinct outcome's runs, and the longest run's steps.
   * Absent: every summary runs all its paths on every path.
   */
  summaryCache?: Map<string, { runs: number[][][]; longest: number }>;
}

/**
 * An Error without the stack trace V8 would capture: the control-flow signals below end most
 * paths, and the trace of each was a tenth of the time of a function with many.
 */
class Signal extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** The path reached a state an earlier path of the function was in: its future is that path's. */
export class PathMerged extends Signal {
  constructor() {
    super('merged with an earlier path');
  }
}

/**
 * A path read a place a summary left unknown because the helper's runs learnt different things
 * about it: the function's paths are explored again with `helper` summarised precisely.
 */
export class SummaryImprecise extends Error {
  constructor(
    readonly helper: string,
    /** How the helper runs from now on: summarised with what its runs learnt, or inline. */
    readonly mode: 'precise' | 'inline' = 'precise',
  ) {
    super(mode === 'precise'
      ? `${helper}: a summary's runs learnt different things about a place the path reads again`
      : `${helper}: a summary touched what the model sees (or had too many runs): it runs inline`);
  }
}

/** How a release callback the file assigns through a pointer it cannot follow is named (no C name has spaces). */
export const COMPUTED_RELEASE = 'a computed pointer';

/**
 * The two ends of what an unseen release callback may do with its device's container: free
 * nothing, or free it (model.md §4.6). What is reachable from the container is handed to that
 * callback either way, so nothing it might free is ever called a leak.
 */
export type UnknownReleaseShape = 'frees-nothing' | 'frees-container';

/** A release callback a path met but cannot see: what the function's verdict assumed. */
export interface ReleaseAssumption {
  /** The callback's name, or how it was given (`a computed pointer`). */
  release: string;
  /** The line where the file assigns it (0 when the device came from the caller). */
  line: number;
}

/** A violation or leak found on a path, placed in the source. */
export interface PathFinding {
  code: ViolationCode;
  line: number;
  column: number;
  /** The file of `line` when it is not the checked file (a finding in a helper of another file). */
  file?: string;
  message: string;
  failing: { call: string; line: number; column: number } | null;
  /** The path's events before the finding, each at its place (see PathBase.stepsOf). */
  steps: Array<{ line: number; column: number; text: string; file?: string }>;
}

/** The path cannot be followed without guessing: the function is reported as not analysed. */
export class NotFollowed extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * A device from the caller reached its last reference in a file with several release callbacks:
 * the path cannot know which one runs. The file check then runs the function once per candidate.
 */
export class ReleaseUnknown extends NotFollowed {}

/** The path is longer than the bound: it ends here and the function is marked as bounded. */
export class PathTooLong extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export { MAX_PATH_STEPS, MAX_CALL_DEPTH, UNKNOWN_LOOP_BOUND, KNOWN_LOOP_BOUND, MAX_SUMMARY_RUNS } from './limits.js';

export interface Frame {
  fn: LoweredFunction;
  args: Val[];
  /** Objects and ids made while this frame ran start at these indices. */
  firstObj: number;
  firstId: number;
  vars: Map<string, Val>;
  locals: Map<string, Obj>;
  loops: Map<number, number>;
  /** The instruction this frame is running (in a caller: the call under way). */
  pc: number;
  /**
   * Whether paths may merge at this frame's merge points: the root frame, and a same-file helper
   * called inline from a mergeable frame at a statement that holds nothing half-computed across
   * the call (run.ts `plainCall`), so the frames' variables and program counters are all the
   * future depends on.
   */
  mergeable: boolean;
  /** Loops (by the pc of their test) one of whose ways out this frame's path decided by a choice. */
  choseExit?: Set<number>;
}

export interface Site {
  call: string;
  line: number;
  column: number;
  /** The file the line is in when it is not the checked file's (a helper of another file, linked.ts). */
  file?: string;
}

/**
 * Where a load or store goes. `none`: nowhere the path follows; `nullBase` says why, when it is
 * through a pointer the path knows is NULL inside a callback the kernel runs (path/contracts.ts).
 */
export type Loc = { t: 'var'; f: Frame; name: string } | { t: 'mem'; o: Obj; p: string } | { t: 'none'; nullBase?: string };
