import { isViolationCode, ParameterError, requireObject, VIOLATIONS, type BugClass, type ViolationCode } from '../../machines/index.js';

/** A call as the report names it: its step number and what was called on what. */
export interface StepRef {
  /** 1-based number of the API call in this kernel (nested calls, e.g. from a release callback, count too). */
  step: number;
  /** The call, e.g. `adev foo.bar.0 .add("mod")`. */
  call: string;
}

/**
 * A call in progress or past: what `StepRef` names, with the text built only when read, so that
 * numbering every call costs one small object and no string work.
 */
export class CallSite implements StepRef {
  constructor(
    readonly step: number,
    private readonly op: string,
    private readonly target: { describe(): string } | undefined,
    private readonly args: unknown,
  ) {}

  /** `<object>: <op>(<args>)`, e.g. `auxiliary device #3 (foo): add("mymod")`. */
  get call(): string {
    const a = this.args;
    const args = a === undefined ? '' : Array.isArray(a) ? a.map(formatArg).join(', ') : formatArg(a);
    return `${this.target ? `${this.target.describe()}: ` : ''}${this.op}(${args})`;
  }

  toJSON(): StepRef {
    return { step: this.step, call: this.call };
  }
}

function formatArg(a: unknown): string {
  return a === null ? 'NULL' : typeof a === 'string' ? JSON.stringify(a) : String(a);
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
  requireObject('formatFindings(findings)', findings, 'an array of findings (Report.violations, Report.leaks)');
  if (!Array.isArray(findings as unknown)) throw new ParameterError('formatFindings(findings)', findings, 'an array of findings (Report.violations, Report.leaks)');
  findings.forEach((f, i) => {
    requireObject(`formatFindings(findings)[${i}]`, f, 'a finding { code, step, call, object, ... }');
    if (!isViolationCode(f.code)) throw new ParameterError(`formatFindings(findings)[${i}].code`, f.code, 'a violation code');
  });
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
