import type { Tree } from 'web-tree-sitter';
import { ParameterError, requireBool, requireInt, requireObject } from '../../machines/index.js';
import { functionsOfTree, type AnalysedFunction } from './functions.js';
import { parseC } from './grammar.js';
import { lowerFunction, type Expr, type LoweredFunction } from './ir.js';
import { COMPUTED_RELEASE, findingKey, isTracked, NotFollowed, PathMerged, PathRun, PathTooLong, ReleaseUnknown, SummaryImprecise, type FileContext, type PathFinding, type ReleaseAssumption } from './path/index.js';
import { displayColumn } from './columns.js';
import { kernelMacros, type MacroContext } from './macros/data.js';
import { maskAnnotations, type MaskedSource } from './mask.js';
import { aloofFunctions, pureFunctions } from './path/pure.js';
import { ownershipFindings, type FailureEnd } from './path/ownership.js';
import { Oracle } from './oracle.js';
import { findPairs, returnsOf, type CreatePair, type CreateReturns } from './pairs.js';
import { calledNames } from './ir-names.js';
import { requireLink, type Link } from './link.js';
import { linkFunctions } from './linked.js';
import { isAuxApiFunction, mentionsAuxApi } from './prefilter.js';
import type { CheckAssumption, CheckFinding, NotAnalysedEntry } from './report.js';
import { sourceFromBytes, type NotAnalysed, type SourceText } from './source.js';

/**
 * Checking one file: mask kernel annotations, parse, find the functions that create or tear down
 * auxiliary devices (directly or through same-file helpers), lower them, and run every path of
 * each on the model, merging what the paths found by code and line.
 */

/** Options of {@link checkSource}. */
export interface CheckSourceOptions {
  /** Paths explored per function before it is reported as partly analysed (default 2,000). */
  maxPaths?: number;
  /**
   * Steps (instructions run, over every path and every run) one function may take before it is
   * reported as not analysed with reason `budget: ...` (default {@link DEFAULT_MAX_STEPS}). A step
   * count, not a time, so the verdict does not depend on the machine's load.
   */
  maxSteps?: number;
  /** Parse time bound in milliseconds (default: the parser's). */
  parseTimeoutMs?: number;
  /**
   * Whether helpers that cannot change what the model or their caller sees are run as summaries
   * of their return values (default true; false runs every helper inline on every path, which
   * gives the same findings on fewer functions within the bounds).
   */
  summaries?: boolean;
  /**
   * Whether a path that reaches a state an earlier path of the function was in, at a point where
   * control flow joins or after a call of a same-file helper, ends there (its future is the
   * earlier path's). Default true; false runs every path to its end, which gives the same
   * findings on fewer functions within the bounds.
   */
  mergeStates?: boolean;
}

/** What checking one file gave. */
export interface FileCheck {
  /** Whether the file mentions the auxiliary-bus API at all (the pre-filter). */
  relevant: boolean;
  /** Functions whose paths were run. */
  functions: number;
  /**
   * Those functions by name, in the file's order (absent when there were none). Each is either
   * analysed to the end or has its entry in `notAnalysed` (a bound, a refusal).
   */
  functionNames?: string[];
  /**
   * The create / teardown pairs run together (pairs.ts), each named `create → teardown` (absent
   * when none). Not functions: a pair's findings and not-analysed entries carry its name.
   */
  pairs?: string[];
  /** Paths run, over all functions. */
  paths: number;
  findings: CheckFinding[];
  notAnalysed: NotAnalysedEntry[];
  /** What the analysed functions assumed (a release callback the checker cannot see). */
  assumptions: CheckAssumption[];
}

/**
 * The default bound on paths per function: above what the real drivers' functions of the 6.12
 * tree that finish take (intel_gsc_init(), 4,491), so that the step budget, not the count of
 * paths, is what stops a function too big to run whole.
 */
export const DEFAULT_MAX_PATHS = 10_000;

/**
 * The default step budget per function: five to ten seconds of path running (a step is an
 * instruction of one path, 2-5 µs), above what every real driver function of the 6.12 tree takes
 * (the largest, intel_vsec_pci_slot_reset(), 1,460,010 over all its runs; docs/real-kernel.md),
 * far below a goto in a loop that makes 10,000 paths of 20,000 steps.
 * @example await checkSource(text, 'foo.c', { maxSteps: DEFAULT_MAX_STEPS / 10 })
 */
export const DEFAULT_MAX_STEPS = 2_000_000;

/**
 * Checks the C text of one file (`file` is the name used in locations). A source that could not
 * be read (binary, too large, ...) gives one "not analysed" entry.
 * @example
 * const r = await checkSource(readFileSync('foo.c', 'utf8'), 'foo.c');
 * for (const f of r.findings) console.log(`${f.at.line}: ${f.code}`);
 */
export async function checkSource(input: string | SourceText | NotAnalysed, file = '<input>', options: CheckSourceOptions = {}, link?: Link): Promise<FileCheck> {
  if (typeof file !== 'string' || file.length === 0) throw new ParameterError('file', file, 'a non-empty file name');
  if (link !== undefined) requireLink(link);
  requireObject('options', options, 'an object { maxPaths?, maxSteps?, parseTimeoutMs?, summaries?, mergeStates? }');
  if (typeof input === 'object' && input !== null) requireObject('input', input, 'C source text, or what readSource() returned');
  const maxPaths = requireInt('maxPaths', options.maxPaths ?? DEFAULT_MAX_PATHS, 1, 1_000_000);
  const maxSteps = requireInt('maxSteps', options.maxSteps ?? DEFAULT_MAX_STEPS, 1, 2 ** 31 - 1);
  const summaries = requireBool('summaries', options.summaries ?? true);
  const mergeStates = requireBool('mergeStates', options.mergeStates ?? true);
  if (typeof input !== 'string' && (typeof input !== 'object' || input === null || (input.kind !== 'source' && input.kind !== 'not-analysed'))) {
    throw new ParameterError('input', input, 'C text, or what readSource / sourceFromBytes returned');
  }
  const source = typeof input === 'string' ? sourceFromBytes(input) : input;
  const empty: FileCheck = { relevant: false, functions: 0, paths: 0, findings: [], notAnalysed: [], assumptions: [] };
  if (source.kind !== 'source') return { ...empty, notAnalysed: [{ file, reason: `${source.reason}: ${source.detail}` }] };
  if (!mentionsAuxApi(source.text)) return empty;
  // The kernel's macros, and those the file defines itself (a driver's own for_each or DEFINE_FREE).
  const macros = kernelMacros().forFile(source.text);
  const masked = maskAnnotations(source.text, macros);
  const parsed = await parseC(masked.text, options.parseTimeoutMs === undefined ? {} : { timeoutMs: options.parseTimeoutMs });
  if (parsed.kind !== 'parsed') return { ...empty, relevant: true, notAnalysed: [{ file, reason: `${parsed.reason}: ${parsed.detail}` }] };
  try {
    return await checkTree(parsed.tree, source.text, file, masked, macros, { maxPaths, maxSteps, summaries, mergeStates }, link);
  } finally {
    parsed.tree.delete();
  }
}

/** The kernel's helpers that allocate and register a device with the bus's own release callback. */
const CREATE_HELPERS = new Set(['auxiliary_device_create', 'devm_auxiliary_device_create', '__devm_auxiliary_device_create']);
/** The release callback the create helpers install (drivers/base/auxiliary.c, newer kernels; kernel-auxbus.md §1.5). */
const BUS_RELEASE = 'auxiliary_device_release';

async function checkTree(tree: Tree, text: string, file: string, masked: MaskedSource, macros: MacroContext, bounds: Bounds, link: Link | undefined): Promise<FileCheck> {
  const found = functionsOfTree(tree);
  const notAnalysed: NotAnalysedEntry[] = [];
  const lines = text.split('\n');
  for (const f of found.functions) {
    if (f.kind !== 'not-analysed') continue;
    const body = lines.slice(f.start.line - 1, f.end.line).join('\n');
    if (mentionsAuxApi(body)) notAnalysed.push({ file, ...(f.name ? { function: f.name } : {}), line: f.start.line, reason: f.detail });
  }
  for (const p of found.errorsOutsideFunctions) {
    if (p.mentionsAuxApi) notAnalysed.push({ file, line: p.line, reason: `syntax error outside any function near "${p.text}"` });
  }
  for (const c of found.auxApiCallsOutsideFunctions) {
    notAnalysed.push({ file, line: c.line, reason: `${c.callee}() outside any function the parser could read` });
  }

  // Functions the file defines that cannot be run (a release among them is unknown, not absent).
  const unreadable = new Set<string>();
  for (const f of found.functions) if (f.kind === 'not-analysed' && f.name) unreadable.add(f.name);
  const analysed = new Map<string, AnalysedFunction>();
  for (const f of found.functions) {
    if (f.kind !== 'function') continue;
    const first = analysed.get(f.name);
    if (!first) analysed.set(f.name, f);
    else if (f.auxApiCalls.length > 0) {
      // A second definition of one name (a GCC nested function, a mangled merge): calls name the
      // first, so this one is never run; said rather than silently skipped.
      notAnalysed.push({ file, function: f.name, line: f.start.line, reason: `a second definition of ${f.name} (the first is at line ${first.start.line}): only the first is analysed` });
    }
  }
  const lowered = new Map<string, LoweredFunction>();
  const returns = new Map<string, CreateReturns>();
  const byStart = new Map<string, AnalysedFunction>();
  for (const f of analysed.values()) byStart.set(`${f.start.line}:${f.start.column}`, f);
  for (const node of tree.rootNode.descendantsOfType('function_definition')) {
    if (!node) continue;
    const f = byStart.get(`${node.startPosition.row + 1}:${node.startPosition.column + 1}`);
    if (!f || lowered.has(f.name)) continue;
    returns.set(f.name, returnsOf(node));
    try {
      lowered.set(f.name, lowerFunction(node, f.name, masked, macros));
    } catch (err) {
      // Only a stack overflow on absurdly deep nesting gets here: the function is not followed.
      notAnalysed.push({ file, function: f.name, line: f.start.line, reason: `cannot be lowered: ${err instanceof RangeError ? 'nesting too deep' : String(err)}` });
      analysed.delete(f.name);
      unreadable.add(f.name);
    }
  }

  // Helpers of the other files given with this one that its code calls (linked.ts).
  const linked = link ? await linkFunctions(lowered, link) : { functions: lowered, lines: new Map<string, string[]>() };
  const functions = linked.functions;

  const releases = new Set<string>();
  let computedRelease = false;
  for (const f of analysed.values()) {
    for (const r of f.releaseAssignments) {
      if (r.function) releases.add(r.function);
      else computedRelease = true;
    }
  }
  // A release assigned through a pointer the checker cannot follow is one more candidate, unknown.
  // A file that makes devices with the kernel's create helpers hands out devices whose release is
  // the bus's own (auxiliary_device_release, kernel-auxbus.md §1.5): a device its functions
  // receive may have that one, of another file, never none.
  const creates = [...analysed.values()].some((f) => f.calls.some((c) => c.callee !== null && CREATE_HELPERS.has(c.callee)));
  const candidates = [...releases, ...(computedRelease ? [COMPUTED_RELEASE] : []), ...(creates ? [BUS_RELEASE] : [])];
  let members: Set<string>;
  try {
    members = deviceMembers(functions.values());
  } catch {
    return { relevant: true, functions: 0, paths: 0, findings: [], notAnalysed: [...notAnalysed, { file, reason: 'expressions nested too deep to follow' }], assumptions: [] };
  }
  const ctx: FileContext = {
    file,
    functions,
    deviceMembers: members,
    soleRelease: candidates.length === 1 ? candidates[0]! : null,
    releaseCount: candidates.length,
    ...(bounds.summaries ? { pure: pureFunctions(functions), aloof: aloofFunctions(functions, members, (name) => returns.get(name) === 'int' || returns.get(name) === 'void'), unsummarised: new Set<string>(), precise: new Set<string>() } : {}),
  };

  const roots = rootFunctions(analysed, releases, lowered, functions).filter((name) => lowered.has(name));
  // A create and its teardown run together too, after each on its own (pairs.ts).
  const makers = deviceMakers(analysed, lowered, functions);
  const pairs = findPairs(tree, lowered, new Set(roots.filter((r) => makers.has(r))), returns);
  const entries: Array<{ name: string; line: number; start: Start; pair?: CreatePair }> = [
    ...roots.map((name) => ({ name, line: analysed.get(name)!.start.line, start: (run: PathRun) => run.runRoot(lowered.get(name)!) })),
    ...pairs.map((p) => ({
      name: pairName(p), line: analysed.get(p.teardown)!.start.line, pair: p,
      start: (run: PathRun) => run.runPair(lowered.get(p.create)!, lowered.get(p.teardown)!, p.map, p.returns),
    })),
  ];
  const merged = new Map<string, CheckFinding>();
  const assumptions: CheckAssumption[] = [];
  let paths = 0;
  // Functions that could not be run to the end on their own: a pair of one would not be either.
  const stopped = new Set<string>();
  for (const { name, line, start, pair } of entries) {
    const alone = pair ? [pair.create, pair.teardown].find((f) => stopped.has(f)) : undefined;
    if (pair && alone !== undefined) {
      notAnalysed.push({ file, function: name, line, reason: `the pair (${pair.how}) is not analysed: ${alone} on its own is not (its entry says why)` });
      continue;
    }
    // One budget for every run of the function (each assumption, each release callback).
    const budget: Budget = { ...bounds, steps: 0 };
    let run = runUnseen(ctx, start, budget);
    if (run.releaseUnknown && candidates.length > 1) run = runPerRelease(ctx, start, budget, candidates);
    paths += run.paths;
    if (run.refused !== null) {
      notAnalysed.push({ file, function: name, line, reason: pair ? `the pair (${pair.how}) is not analysed: ${run.refused}` : run.refused });
      stopped.add(name);
      continue;
    }
    if (run.bounded !== null) notAnalysed.push({ file, function: name, line, reason: `partly analysed: ${run.bounded}` });
    for (const a of run.assumed) {
      // A pair meets the releases its create and teardown met on their own: said once.
      if (pair && assumptions.some((x) => x.release === a.release)) continue;
      assumptions.push({
        file, function: name, line: a.line > 0 ? a.line : line, release: a.release,
        text: `${a.release === COMPUTED_RELEASE ? 'the release callback (a computed pointer)' : `release callback ${a.release}`} ` +
          `${unreadable.has(a.release) ? 'is in this file but could not be read' : 'is not in this file'}: ` +
          'assumed unknown (it may free the container or not); findings that depend on what it frees are not reported',
      });
    }
    for (const f of run.findings) {
      const key = findingKey(f.code, f);
      if (merged.has(key)) continue;
      // A place known only by its line (a statement, a return) points at its first token, as gcc
      // does; a line of a helper of another file is that file's.
      const place = (at: { line: number; column: number; file?: string }) => {
        const text = (at.file === undefined ? lines : linked.lines.get(at.file) ?? [])[at.line - 1] ?? '';
        const column = at.column === 1 ? (text.search(/\S/) + 1 || 1) : at.column;
        return { file: at.file ?? file, line: at.line, column, displayColumn: displayColumn(text, column) };
      };
      merged.set(key, {
        code: f.code, function: name, at: place(f), message: pair ? `after ${pair.create}() succeeded, ${pair.teardown}() (paired: ${pair.how}): ${f.message}` : f.message,
        ...(f.failing ? { failing: { ...place(f.failing), call: f.failing.call } } : {}),
        steps: f.steps.map((s) => ({ ...place(s), text: s.text })),
        functionLines: { start: analysed.get(pair?.teardown ?? name)!.start.line, end: analysed.get(pair?.teardown ?? name)!.end.line },
      });
    }
  }
  const findings = [...merged.values()].sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column || a.code.localeCompare(b.code));
  return {
    relevant: true, functions: roots.length, ...(roots.length > 0 ? { functionNames: roots } : {}),
    ...(pairs.length > 0 ? { pairs: pairs.map(pairName) } : {}), paths, findings, notAnalysed, assumptions,
  };
}

/** How a pair is named in findings and not-analysed entries. */
const pairName = (p: CreatePair): string => `${p.create} → ${p.teardown}`;

/** What running every path of one function gave. */
interface FunctionRun {
  paths: number;
  findings: PathFinding[];
  /** Why the function could not be followed (its findings are dropped), or null. */
  refused: string | null;
  /** Why exploration stopped early, or null when every path ran to its end. */
  bounded: string | null;
  /** Refused only because a device from the caller has one of several release callbacks. */
  releaseUnknown?: boolean;
  /** Release callbacks the paths ran without seeing them (what the findings assume). */
  assumed: ReleaseAssumption[];
}

/** The findings every run found (same code, same line), with the first run's words. */
function common(runs: FunctionRun[]): PathFinding[] {
  const keys = runs.map((r) => new Set(r.findings.map((f) => findingKey(f.code, f))));
  return runs[0]!.findings.filter((f) => keys.every((k) => k.has(findingKey(f.code, f))));
}

/** The release assumptions of several runs, each callback once. */
function assumedOf(runs: FunctionRun[]): ReleaseAssumption[] {
  const out = new Map<string, ReleaseAssumption>();
  for (const r of runs) for (const a of r.assumed) if (!out.has(a.release)) out.set(a.release, a);
  return [...out.values()];
}

/**
 * A function run once as if every release callback the paths cannot see freed nothing and, if
 * they met one, once as if it freed its device's container; only what both runs find is kept.
 * So no finding depends on what an unseen callback frees (a kfree() after the last put is
 * free-outside-release with one and double-free with the other: neither is claimed), while
 * what breaks either way (a use of the device after its last put, a devm container) is. The
 * second run goes over the same paths under the other assumption, so the paths are counted once
 * (the bound on paths per function holds).
 */
function runUnseen(ctx: FileContext, fn: Start, budget: Budget): FunctionRun {
  const first = runFunction({ ...ctx, unknownRelease: 'frees-nothing' }, fn, budget);
  if (first.refused !== null || first.assumed.length === 0) return first;
  const second = runFunction({ ...ctx, unknownRelease: 'frees-container' }, fn, budget);
  if (second.refused !== null) return second;
  const runs = [first, second];
  return { paths: Math.max(first.paths, second.paths), findings: common(runs), refused: null, bounded: first.bounded ?? second.bounded, assumed: assumedOf(runs) };
}

/**
 * A function given devices from its caller, in a file with several release callbacks: run once
 * per callback; what every run finds holds whichever device it is given, and only that is kept.
 */
function runPerRelease(ctx: FileContext, fn: Start, budget: Budget, releases: string[]): FunctionRun {
  const runs: FunctionRun[] = [];
  for (const r of releases) {
    const run = runUnseen({ ...ctx, soleRelease: r }, fn, budget);
    runs.push(run);
    if (run.refused !== null) break;
  }
  // Each run goes over the same paths with another callback: the paths are counted once.
  const paths = Math.max(...runs.map((r) => r.paths));
  const refused = runs.find((r) => r.refused !== null);
  if (refused) return { paths, findings: [], refused: refused.refused, bounded: null, assumed: [] };
  const findings = common(runs)
    .map((f) => ({ ...f, message: `${f.message} (whichever of the file's release callbacks the device has: ${releases.join(', ')})` }));
  const bounded = runs.map((r) => r.bounded).find((b) => b !== null) ?? null;
  return { paths, findings, refused: null, bounded, assumed: assumedOf(runs) };
}

/** The bounds of one function's runs, and the steps its runs have taken so far. */
interface Bounds {
  maxPaths: number;
  maxSteps: number;
  summaries: boolean;
  mergeStates: boolean;
}
interface Budget extends Bounds {
  steps: number;
}

/** How each path of a run starts: a function from its entry, or a create and its teardown. */
type Start = (run: PathRun) => void;

function runFunction(fileCtx: FileContext, fn: Start, budget: Budget): FunctionRun {
  const { maxPaths, maxSteps } = budget;
  // The states this run's paths were in, at its merge points (each run of a function its own).
  const ctx: FileContext = {
    ...fileCtx,
    ...(budget.mergeStates ? { visited: new Map<string, object>(), judged: new Set<string>() } : {}),
    ...(budget.summaries ? { summaryCache: new Map() } : {}),
  };
  const findings: PathFinding[] = [];
  const seen = new Set<string>();
  let bounded: string | null = null;
  // Breadth first over the number of choices that differ from the expected outcome: every single
  // failure before any pair of them (see Oracle).
  const queue: number[][] = [[]];
  let head = 0;
  let paths = 0;
  let dropped = false;
  const assumed = new Map<string, ReleaseAssumption>();
  // Each error return's caller objects freed: one path's are judged against the others' (ownership.ts).
  const failureEnds: FailureEnd[] = [];
  while (head < queue.length) {
    const oracle: Oracle = new Oracle(queue[head]!);
    queue[head++] = [];
    const run = new PathRun(ctx, oracle);
    paths++;
    let ended = false;
    try {
      fn(run);
      ended = true;
    } catch (err) {
      const switched = err instanceof SummaryImprecise ? (err.mode === 'precise' ? ctx.precise : ctx.unsummarised) : undefined;
      if (err instanceof SummaryImprecise && switched && !switched.has(err.helper)) {
        // A summary merged runs the path then told apart (precise), or a helper cannot be
        // summarised (inline): explore again with that helper run the new way. Each helper
        // switches at most once each way; what was found stays found (paths that never read what
        // a merge left unknown, or that ran before the helper's summary was given up, are paths
        // of the function).
        switched.add(err.helper);
        budget.steps += run.stepsTaken;
        // States seen so far led to futures this restart drops: none may end a path now.
        ctx.visited?.clear();
        ctx.judged?.clear();
        ctx.summaryCache?.clear();
        queue.length = 0;
        queue.push([]);
        head = 0;
        continue;
      }
      // A merged path's future is an earlier path's: only its own choices before the merge branch.
      if (err instanceof PathMerged) { /* a path like any other, ended early */ } else if (err instanceof NotFollowed) return { paths, findings: [], refused: err.reason, bounded: null, releaseUnknown: err instanceof ReleaseUnknown, assumed: [] };
      else if (err instanceof PathTooLong) bounded ??= `a path was cut: ${err.reason}`;
      else return { paths, findings: [], refused: `internal error while following a path: ${err instanceof Error ? err.message : String(err)}`, bounded: null, assumed: [] };
    }
    budget.steps += run.stepsTaken;
    // The path ended: the unbind judged every settled device it carried.
    if (ended) for (const k of run.fatesCarried) ctx.judged?.add(k);
    // Past the budget, what the paths found so far is dropped: a finding of the first assumption's
    // run would stand without the second run that must confirm it (runUnseen).
    if (budget.steps > maxSteps) {
      return { paths, findings: [], refused: `budget: stopped after ${budget.steps} steps over ${paths} paths of this run (the per-function step budget is ${maxSteps}); nothing of this function is reported`, bounded: null, assumed: [] };
    }
    for (const [name, a] of run.assumed) if (!assumed.has(name)) assumed.set(name, a);
    if (run.failureEnd !== null) failureEnds.push(run.failureEnd);
    for (const f of run.findings) {
      const key = findingKey(f.code, f);
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(f);
    }
    const room = maxPaths - queue.length;
    const next = oracle.children(room + 1);
    if (next.length > room) dropped = true;
    for (const p of next.slice(0, Math.max(room, 0))) queue.push(p);
  }
  for (const f of ownershipFindings(fn.name, failureEnds)) {
    const key = `${f.code}@${f.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(f);
  }
  if (dropped) {
    const stopped = `stopped after ${maxPaths} paths (the bound), those with the fewest failing calls first; the findings cover them`;
    bounded = bounded === null ? stopped : `${stopped}; ${bounded}`;
  }
  return { paths, findings, refused: null, bounded, assumed: [...assumed.values()] };
}

/** A call of the bus, or of the IDA that names its devices. */
const busCall = (callee: string): boolean => isAuxApiFunction(callee) || (isTracked(callee) && /^(ida_|auxiliary_|__auxiliary|devm_auxiliary)/.test(callee));

/**
 * The functions whose paths are run: those of the file that reach the auxiliary-bus API directly
 * or through helpers (of the file, or of other files given with it: `all`), except release
 * callbacks (run only when the kernel would run them).
 */
function rootFunctions(analysed: Map<string, AnalysedFunction>, releases: Set<string>, own: ReadonlyMap<string, LoweredFunction>, all: ReadonlyMap<string, LoweredFunction>): string[] {
  const { reaches, callees } = reaching(analysed, own, all, (f) => f.auxApiCalls.length > 0 || f.calls.some((c) => c.callee !== null && busCall(c.callee)), busCall);
  return [...analysed.keys()].filter((name) => !releases.has(name) && reaches.has(name)
    && analysed.get(name)!.auxApiCalls.length + callees.get(name)!.length > 0);
}

/** Calls that make a device: what a create of a create / teardown pair must reach. */
const MAKES_DEVICE = new Set(['auxiliary_device_init', 'auxiliary_device_create', 'devm_auxiliary_device_create', '__devm_auxiliary_device_create']);

/** The functions of the file that make a device, directly or through helpers (pairs.ts: only they are creates). */
function deviceMakers(analysed: Map<string, AnalysedFunction>, own: ReadonlyMap<string, LoweredFunction>, all: ReadonlyMap<string, LoweredFunction>): Set<string> {
  const makes = (callee: string) => MAKES_DEVICE.has(callee);
  return reaching(analysed, own, all, (f) => f.calls.some((c) => c.callee !== null && makes(c.callee)), makes).reaches;
}

/**
 * The functions that reach a call `direct` picks, themselves or through what they call (a function
 * of the file as discovery found it, `ownDirect`; a linked one as lowered), and each one's callees.
 */
function reaching(
  analysed: Map<string, AnalysedFunction>, own: ReadonlyMap<string, LoweredFunction>, all: ReadonlyMap<string, LoweredFunction>,
  ownDirect: (f: AnalysedFunction) => boolean, direct: (callee: string) => boolean,
): { reaches: Set<string>; callees: Map<string, string[]> } {
  const callees = new Map<string, string[]>();
  const reaches = new Set<string>();
  for (const [name, f] of analysed) {
    const linked = own.has(name) && all !== own ? calledNamesOf(own.get(name)!).filter((c) => !own.has(c) && all.has(c)) : [];
    callees.set(name, [...f.sameFileCallees, ...linked]);
    if (ownDirect(f)) reaches.add(name);
  }
  for (const [name, fn] of all) {
    if (own.has(name)) continue;
    const names = calledNamesOf(fn);
    callees.set(name, names.filter((c) => all.has(c)));
    if (names.some(direct)) reaches.add(name);
  }
  // A fixed point rather than recursion: a chain of thousands of helpers must not overflow the stack.
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, calls] of callees) {
      if (!reaches.has(name) && calls.some((c) => reaches.has(c))) {
        reaches.add(name);
        changed = true;
      }
    }
  }
  return { reaches, callees };
}

const calledNamesOf = (fn: LoweredFunction): string[] => calledNames(fn, false);

const DEVICE_CALLS = new Set([
  'auxiliary_device_init', 'auxiliary_device_add', '__auxiliary_device_add', 'auxiliary_device_delete',
  'auxiliary_device_uninit', 'auxiliary_device_destroy',
]);

/** Member names the file uses as an embedded auxiliary device: `adev` in `&x->adev`, `x->adev.dev.release = ...`. */
function deviceMembers(functions: Iterable<LoweredFunction>): Set<string> {
  const out = new Set<string>();
  const member = (e: Expr | undefined, viaDev: boolean): void => {
    if (!e) return;
    if (e.k === 'addr') e = e.e;
    if (e.k !== 'field') return;
    if (viaDev) {
      if (e.field !== 'dev' || e.base.k !== 'field') return;
      out.add(e.base.field);
    } else out.add(e.field);
  };
  const walk = (e: Expr): void => {
    switch (e.k) {
      case 'call':
        if (e.callee !== null && DEVICE_CALLS.has(e.callee)) member(e.args[0], false);
        if (e.callee === 'put_device' || e.callee === 'get_device') member(e.args[0], true);
        for (const a of e.args) walk(a);
        return;
      case 'assign':
        // x->adev.dev.release = fn
        if (e.l.k === 'field' && e.l.field === 'release' && e.l.base.k === 'field' && e.l.base.field === 'dev' && e.l.base.base.k === 'field') {
          out.add(e.l.base.base.field);
        }
        walk(e.l);
        walk(e.r);
        return;
      case 'field': walk(e.base); return;
      case 'index': walk(e.base); walk(e.index); return;
      case 'addr': case 'deref': case 'unary': case 'update': walk(e.e); return;
      case 'binary': walk(e.l); walk(e.r); return;
      case 'cond': walk(e.c); walk(e.t); walk(e.f); return;
      case 'comma': for (const x of e.list) walk(x); return;
      default:
    }
  };
  for (const f of functions) {
    for (const i of f.code) {
      if (i.op === 'eval' || i.op === 'br' || i.op === 'switch') walk(i.op === 'eval' ? i.e : i.op === 'br' ? i.c : i.e);
      else if (i.op === 'decl' && i.init) walk(i.init);
      else if (i.op === 'ret' && i.e) walk(i.e);
    }
  }
  out.delete('dev');
  return out;
}

