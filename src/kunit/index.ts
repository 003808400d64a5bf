export { kunitSuite, cleanTeardown, predictSteps, DEFAULT_KUNIT_WORLDS } from './cases.js';
export { emitKunitC, callText } from './emit.js';
export { HARNESS_LIMITS } from './harness.js';
export type { KunitSuite, KunitCase, KunitStep, KunitDeviceExpectation } from './types.js';
export { parseKtap, firstFailure, type KtapRun, type KtapSuite, type KtapCase } from './ktap.js';
export { agreement, formatAgreement, type Agreement, type CaseVerdict } from './agreement.js';
export { findKernelTree, workTree, cacheRoot, kernelVersion, isKernelTree, KernelTreeError, DEBIAN_PACKAGE, type TreeSource, type WorkTree } from './tree.js';
export { bootSuite, warningsW1, patchTree, buildDir, KERNEL_CONFIGS, SUITE_FILE, SUITE_SYMBOL, type KernelConfig, type KunitBoot, type BootOptions } from './run.js';
