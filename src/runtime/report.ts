import { VIOLATIONS, type BugClass, type ViolationCode } from '../../machines/index.js';

/** A call as the report names it: its step number and what was called on what. */
export interface StepRef {
  /** 1-based number of the API call in this kernel (nested calls, e.g. from a release callback, count too). */
  step: number;
  /** The call, e.g. `adev foo.bar.0 .add("mod")`. */
  call: string;
}

/** One violation or leak. */
export interface Finding extends StepRef {
  code: ViolationCode;
  bugClass: BugClass;
  /** The object it concerns, e.g. `auxiliary device mod.foo.1` or `allocation #3 (priv)`. */
  object: string;
  /** The step that created the object (for leaks: where the leaked thing came from). */
  createdAt: StepRef;
  /** Ids concerned, for IDA findings. */
  ids?: number[];
}

/** A kernel log line the model printed (WARN, pr_err, dev_err text as the kernel prints it). */
export interface LogLine extends StepRef {
  level: 'err' | 'warn';
  text: string;
}

/**
 * What `Kernel.report()` returns: the violations found at their steps, then what the end check
 * (the model's kmemleak) finds, following model.md §4.3.
 */
export interface Report {
  /** Violations in step order. */
  violations: Finding[];
  /** Leaks found by the end check. */
  leaks: Finding[];
  /** No violation and no leak. */
  clean: boolean;
  /** Human-readable text: one block per finding with the kernel's symptom and the fix. */
  text: string;
}

/**
 * Formats findings the way `Report.text` shows them.
 * @example formatFindings([]) // 'clean: no violations, no leaks'
 */
export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'clean: no violations, no leaks';
  return findings
    .map((f) => {
      const info = VIOLATIONS[f.code];
      const ids = f.ids ? ` ids ${f.ids.join(', ')}` : '';
      return [
        `${f.code} (${f.bugClass}) at step ${f.step}: ${f.call}`,
        `  object: ${f.object}${ids}, created at step ${f.createdAt.step}: ${f.createdAt.call}`,
        `  kernel: ${info.kernelSymptom}`,
        `  fix: ${info.fix}`,
      ].join('\n');
    })
    .join('\n');
}
