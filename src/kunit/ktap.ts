import { ParameterError } from '../../machines/index.js';

/** One KUnit case's result, with what the kernel printed while it ran. */
export interface KtapCase {
  name: string;
  /** `ok` (passed), `not ok` (failed), `skip` (ok with a SKIP directive). */
  result: 'ok' | 'not ok' | 'skip';
  /** The case's diagnostic lines (KUnit's `# ...` and the expectation text after it), in order, without indentation. */
  diagnostics: string[];
  /** Every console line printed between the previous result and this one (the kernel's log of the case). */
  log: string[];
}

/** One suite of a KTAP run. */
export interface KtapSuite {
  name: string;
  /** The number of cases the suite's plan (`1..N`) announced; -1 when no plan was seen. */
  planned: number;
  cases: KtapCase[];
}

/** What a kernel's KTAP output says. */
export interface KtapRun {
  suites: KtapSuite[];
  /** The output ended before every planned case reported (the kernel crashed or hung). */
  incomplete: boolean;
}

const RESULT = /^(ok|not ok) (\d+) ([^#]*?)\s*(?:#\s*(.*))?$/;
const SUBTEST = /^# Subtest: (.+)$/;
const PLAN = /^1\.\.(\d+)$/;

/**
 * Parses a kernel's console output containing KTAP (what `kunit.py run --raw_output=all`
 * prints): the suites at nesting level 1, their cases at level 2, each case with its diagnostics
 * and the console lines printed while it ran (WARNs, KASAN reports, kobject debug lines).
 * Throws ParameterError when the input is not a string.
 * @example parseKtap('KTAP version 1\n1..1\n    # Subtest: s\n    1..1\n    ok 1 c\nok 1 s\n').suites[0].cases[0].result // 'ok'
 */
export function parseKtap(output: string): KtapRun {
  if (typeof output !== 'string') throw new ParameterError('output', output, 'the console text of a KUnit run');
  const suites: KtapSuite[] = [];
  let suite: KtapSuite | undefined;
  let pending: string[] = [];
  let diagnostics: string[] = [];
  /**
   * After an `EXPECTATION FAILED` line KUnit prints the comparison indented, then (after a blank
   * line, or at once for KUNIT_FAIL) the message at column 0: 'indented', 'blank', or 'done'.
   */
  let expectation: 'indented' | 'blank' | 'done' = 'done';
  const lines = output.split(/\r?\n/);
  for (const raw of lines) {
    // A console line may carry a printk time stamp before the KTAP text.
    const line = raw.replace(/^\[\s*\d+\.\d+\]\s?/, '');
    const indent = /^ */.exec(line)![0].length;
    const text = line.trim();
    const sub = SUBTEST.exec(text);
    if (sub && indent >= 4) {
      suite = { name: sub[1]!.trim(), planned: -1, cases: [] };
      suites.push(suite);
      pending = [];
      diagnostics = [];
      continue;
    }
    if (suite === undefined) continue;
    const plan = PLAN.exec(text);
    if (plan && indent >= 4 && suite.planned < 0) {
      suite.planned = Number(plan[1]);
      continue;
    }
    // The suite's header (its attributes, e.g. `# module: ...`) is no case's diagnostic.
    if (suite.planned < 0 && suite.cases.length === 0 && indent >= 4 && text.startsWith('# ')) continue;
    const result = RESULT.exec(text);
    if (result && indent >= 4) {
      const skip = /^SKIP\b/i.test(result[4] ?? '');
      suite.cases.push({ name: result[3]!.trim(), result: skip ? 'skip' : (result[1] as 'ok' | 'not ok'), diagnostics, log: pending });
      pending = [];
      diagnostics = [];
      expectation = 'done';
      continue;
    }
    if (result && indent < 4) {
      // The suite's own result line closes it.
      suite = undefined;
      continue;
    }
    pending.push(text);
    if (text.startsWith('# ')) {
      diagnostics.push(text.slice(2));
      expectation = /EXPECTATION FAILED|ASSERTION FAILED/.test(text) ? 'indented' : 'done';
    } else if (expectation !== 'done') {
      if (text === '') expectation = 'blank';
      else if (indent >= 4 && expectation === 'indented') diagnostics.push(text);
      else {
        diagnostics.push(text); // the message, at column 0
        expectation = 'done';
      }
    }
  }
  const incomplete = suites.length === 0 || suites.some((s) => s.planned < 0 || s.cases.length < s.planned);
  return { suites, incomplete };
}

/**
 * The first expectation a failed case reports, in one line: what was expected, what was seen,
 * and the step message the generated suite gives (`step 3: dev0 kref`); not the file and line.
 * @example firstFailure({ name: 'c', result: 'not ok', diagnostics: ['c: EXPECTATION FAILED at x.c:9', 'Expected ret == 0, but', 'ret == -17 (0xffffffffffffffef)', 'step 3: return value'], log: [] })
 */
export function firstFailure(c: KtapCase): string {
  const start = c.diagnostics.findIndex((d) => /EXPECTATION FAILED|ASSERTION FAILED/.test(d));
  if (start < 0) return c.result === 'not ok' ? (c.diagnostics[0] ?? 'failed with no diagnostic (the kernel may have crashed)') : '';
  const block: string[] = [];
  for (let i = start + 1; i < c.diagnostics.length && !/EXPECTATION FAILED|ASSERTION FAILED/.test(c.diagnostics[i]!); i++) block.push(c.diagnostics[i]!);
  return block.join(' ').replace(/\s+/g, ' ').trim();
}

/**
 * The first of the generated suite's own expectations that failed in a case, in one line ending
 * with its step message (`step 3: dev0 kref`); empty when none failed. A case KUnit marked failed
 * for another reason (a KASAN report fails the running test) has none.
 * @example failedExpectation({ name: 'c', result: 'not ok', diagnostics: ['c: EXPECTATION FAILED at x.c:9', 'Expected ret == 0, but', 'ret == -17', 'step 3: return value', 'c: done'], log: [] }) // 'Expected ret == 0, but ret == -17 step 3: return value'
 */
export function failedExpectation(c: KtapCase): string {
  const start = c.diagnostics.findIndex((d) => /EXPECTATION FAILED|ASSERTION FAILED/.test(d));
  if (start < 0) return '';
  const block: string[] = [];
  for (let i = start + 1; i < c.diagnostics.length && !/EXPECTATION FAILED|ASSERTION FAILED/.test(c.diagnostics[i]!); i++) {
    block.push(c.diagnostics[i]!);
    if (/^\s*step \d+: /.test(c.diagnostics[i]!)) break;
  }
  return block.join(' ').replace(/\s+/g, ' ').trim();
}
