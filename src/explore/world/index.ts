export {
  exploreWorld, EVENTS_PER_STATE,
  type WorldExploreOptions, type WorldProgress, type WorldCounterexample, type WorldExploration,
} from './explore.js';
export { ANY_CALL, routineCode, type WorldCode, type CodeState } from './code.js';
export { worldTestPaths, type WorldTestPath, type WorldTestPaths, type ComponentCoverage } from './paths.js';
export { describeWorldEvent, describeWorld, formatWorldExploration } from './format.js';
export { deviceEventsOf } from './project.js';
