/** The path interpreter: one path of one function, run on the model. */
export { PathRun } from './run.js';
export { findingKey } from './base.js';
export { isTracked } from './known-calls.js';
export {
  SummaryImprecise, PathMerged,
  NotFollowed, ReleaseUnknown, PathTooLong, COMPUTED_RELEASE, MAX_PATH_STEPS, MAX_CALL_DEPTH, UNKNOWN_LOOP_BOUND, KNOWN_LOOP_BOUND,
  type FileContext, type PathFinding, type ReleaseAssumption, type UnknownReleaseShape,
} from './types.js';
