import { asText, AuxbusError, isViolationCode, ParameterError, requireObject, VIOLATIONS, type BugClass, type ViolationCode } from '../../machines/index.js';
import type { Finding } from './report.js';

/**
 * Strict mode: the call broke the lifecycle contract. Thrown at the step that broke it, after the
 * model recorded what the kernel really did (model.md §4.2).
 * @example try { adev.delete() } catch (e) { if (e instanceof ViolationError) console.log(e.finding.code) }
 */
export class ViolationError extends AuxbusError {
  /** The violation code, e.g. `double-delete`. */
  readonly violation: ViolationCode;
  /** Its bug class, e.g. `B7`. */
  readonly bugClass: BugClass;
  /** What a real kernel shows for it (WARN text, KASAN or kmemleak report, or nothing). */
  readonly kernelSymptom: string;
  /** How to fix the driver. */
  readonly fix: string;
  constructor(readonly finding: Finding) {
    requireObject('ViolationError(finding)', finding, 'a Finding of a Kernel');
    if (!isViolationCode(finding.code)) throw new ParameterError('ViolationError(finding).code', finding.code, 'a violation code');
    const info = VIOLATIONS[finding.code];
    super('violation', `${finding.code} (${info.bugClass}) at step ${asText(finding.step)} ${asText(finding.call)}: ${info.when}\n  kernel: ${info.kernelSymptom}\n  fix: ${info.fix}`);
    this.violation = finding.code;
    this.bugClass = info.bugClass;
    this.kernelSymptom = info.kernelSymptom;
    this.fix = info.fix;
  }
}

/**
 * An object handed to a kernel is not one of its own (another kernel's, or not a runtime object).
 * @example k1.kfree(k2.kzalloc()) // throws ForeignObjectError
 */
export class ForeignObjectError extends AuxbusError {
  constructor(what: string, expected: string) {
    super('foreign-object', `${asText(what)}: expected ${asText(expected)} made by this Kernel`);
  }
}

/**
 * The kernel took as many API calls as its `maxCalls` allows: the code under test loops on it.
 * Thrown by the call that would pass the budget, which changes nothing.
 * @example new Kernel({ maxCalls: 10 }) // the 11th call throws CallBudgetError
 */
export class CallBudgetError extends AuxbusError {
  constructor(readonly maxCalls: number, op: string) {
    super('call-budget', `${asText(op)}: this kernel has taken ${asText(maxCalls)} calls, its maxCalls; expected the code under test to finish within it (a loop that never ends?)`);
  }
}
