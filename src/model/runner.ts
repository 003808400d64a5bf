import { ParameterError, requireObject } from '../../machines/common/errors.js';
import { isArray } from '../../machines/common/checks.js';
import { CompiledMachine, type CompiledTransition } from './compile.js';
import { generateMerge } from './context-merge.js';

/**
 * A machine's step written out as JavaScript, generated once from its compiled table: a function
 * per event type that switches on the leaf, a function per (leaf, event type) that tries the
 * guards in the order XState tries them, and a function per transition that sets the leaf and
 * calls each effect's handler directly. Nothing in it is written by hand: change the machine and
 * the code changes with it.
 *
 * Why: `CompiledMachine.advance` is one generic step for every machine, so its calls to guards,
 * selectors and effect handlers go through shared call sites and its effects come back as a list
 * the runner loops over. In a generated step every call site calls one function, and the
 * functions are small, so V8 inlines the ones that run: the runtime's IDA steps about 2.5 times
 * faster (bench/RESULTS.md).
 *
 * A machine with context updates (the device's reference counts) gets them written out too: each
 * transition applies its updates in the machine's order to a new context object, as
 * `CompiledMachine.advance` does (never changing the old one in place), and stores it in
 * `host.context` together with the leaf, before any effect runs.
 */

/** Whoever a generated step runs for: it holds the machine's leaf. */
export interface RunnerHost {
  /**
   * The machine's current leaf (an index of `CompiledMachine.leaves`). The step sets it before it
   * carries out any effect, as `KernelObject.send` does, so an effect that throws (a violation in
   * strict mode) leaves the machine where the transition took it.
   */
  leaf: number;
}

/**
 * The host of a machine with context updates: besides the leaf, it holds the context. A step that
 * updates it sets `host.context` to a new object (the old one is never changed), with the leaf and
 * before any effect runs, so an effect (or a step it makes on the same host) sees the new context.
 * @example
 * const device: ContextHost<DeviceContext> = { leaf: table.initial().leaf, context: table.initial().context };
 * run(device, device.context, { type: 'GET' }); // device.context.refs is one more
 */
export interface ContextHost<C> extends RunnerHost {
  /**
   * The machine's context: replaced, never changed in place, by a step that updates it. Its
   * fields are those of the machine's initial context made without input, in that order (what
   * the machine's context factory makes for every input, and every update keeps): the generated
   * merge writes exactly those fields, so a field outside them would be dropped by an update.
   */
  context: C;
}

/**
 * Carries out one effect the machine names: its params (static, or computed from the context and
 * event before any effect of the step runs) and the event of the step.
 */
export type EffectHandler<H, E> = (host: H, params: unknown, event: E) => void;

/** Options of {@link generateRunner}. */
export interface RunnerOptions<H, E> {
  /** One handler for every effect type the machine names (checked when the step is generated). */
  handlers: Readonly<Record<string, EffectHandler<H, E>>>;
  /**
   * Effect types carried out before the others of the same step (each group in the machine's
   * order): effects that change memory the host holds, which must happen even when a later effect
   * throws (the runtime's `onStep`). Default none.
   */
  first?: readonly string[];
  /**
   * Called when a transition takes the host to another leaf, after the `first` group and before
   * the other effects (the runtime's check that an object has reached a leaf where nothing is left
   * for the end check to find). Default none.
   */
  entered?: (host: H, leaf: number) => void;
}

/**
 * A generated step: takes `event` from `host.leaf` (guards read `context` and `event`), sets the
 * new leaf and carries out the effects. Returns whether a transition was taken (an event no
 * enabled transition takes changes nothing, as in XState).
 */
export interface Runner<C, E extends { type: string }, H extends RunnerHost> {
  (host: H, context: C, event: E): boolean;
  /**
   * The step of each event type on its own, for a caller that knows the type of its event (it
   * skips the dispatch on the type): `on[event.type](host, context, event)` is `run(host, context, event)`.
   */
  readonly on: Readonly<Partial<Record<E['type'], (host: H, context: C, event: E) => boolean>>>;
}

/**
 * Generates the step of a compiled machine. A machine with context updates needs a host that
 * holds its context ({@link ContextHost}): pass `host.context` as `context`, and the step replaces
 * it. Throws {@link ParameterError} for handlers that do not cover the machine's effects.
 * @example
 * const run = generateRunner<IdaContext, IdaEvent, Host>(compileMachine(idaMachine), {
 *   handlers: { returns: (h, p) => { h.returned = (p as ReturnsParams).value; }, markAllocated: ..., ... },
 *   first: ['markAllocated', 'clearId', 'setOwner', 'clearAll'],
 * });
 * run(host, {}, { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false, lowest: 0 }); // true; host.leaf is inUse
 * run.on.FREE!(host, {}, { type: 'FREE', id: 0, owner: 0, holder: 0, last: true });  // the FREE step alone
 * // A machine with context updates: the host holds the context, the step replaces it.
 * const device = generateRunner<DeviceContext, DeviceEvent, ContextHost<DeviceContext>>(compileMachine(deviceMachine), { handlers });
 * const adev = { ...compileMachine(deviceMachine).initial({ hasRelease: true }) };
 * device(adev, adev.context, { type: 'INIT', parent: true, name: true }); // adev.context.refs is 1
 */
export function generateRunner<C extends object, E extends { type: string }, H extends RunnerHost>(
  table: CompiledMachine<C, E>,
  options: RunnerOptions<H, E>,
): Runner<C, E, H> {
  requireObject('table', table, 'a compiled machine (compileMachine(machine))');
  if (!(table instanceof CompiledMachine)) throw new ParameterError('table', table, 'a compiled machine (compileMachine(machine))');
  const machine = table.machine.id;
  // requireObject and isArray: a revoked proxy anywhere in the options is refused, not a TypeError.
  requireObject('options', options, 'an object { handlers, first?, entered? }');
  const { handlers, first = [], entered } = options;
  requireObject('handlers', handlers, 'an object: effect type → function (host, params, event)');
  if (!isArray(first) || first.some((t) => typeof t !== 'string')) throw new ParameterError('first', first, 'an array of effect types');
  if (entered !== undefined && typeof entered !== 'function') throw new ParameterError('entered', entered, 'a function (host, leaf), or nothing');

  const leaves = table.leaves.map((_, leaf) => table.transitionsOf(leaf));
  const named = new Set<string>();
  for (const byEvent of leaves) {
    for (const list of byEvent.values()) {
      for (const t of list) {
        for (const op of t.ops) if (op.kind === 'effect') named.add(op.type);
      }
    }
  }
  const missing = [...named].filter((type) => typeof handlers[type] !== 'function');
  if (missing.length) throw new ParameterError('handlers', Object.keys(handlers), `a function for every effect machine '${machine}' names; missing: ${missing.join(', ')}`);
  const unknown = first.filter((type) => !named.has(type));
  if (unknown.length) throw new ParameterError('first', first, `effect types machine '${machine}' names (${[...named].join(', ')}); not: ${unknown.join(', ')}`);

  // Everything but event types (JSON literals) and leaf numbers goes into the code by name.
  const names: string[] = [];
  const values: unknown[] = [];
  const bind = (prefix: string, value: unknown) => {
    const name = `${prefix}${values.length}`;
    names.push(name);
    values.push(value);
    return name;
  };
  const handlerName = new Map([...named].map((type) => [type, bind('h', handlers[type])]));
  const firsts = new Set(first);

  // Each transition's body is a function of its own (`take<n>`): the guard chain that selects it
  // stays small, and V8 inlines the bodies that run (the rare ones, reports, stay out of line).
  const functions: string[] = [];
  const enteredName = entered === undefined ? undefined : bind('entered', entered);
  // Context updates: each update function gets a merge of its own (`generateMerge`), for the
  // fields of the machine's initial context, in its order; without an initial context that can be
  // made without input, the spread itself (the same result, slower).
  const fields = contextFields(table);
  const merges = new Map<unknown, string>();
  const update = (fn: unknown): string => {
    const u = bind('u', fn);
    if (fields === undefined) return `{ ...args.context, ...${u}(args) }`;
    let merge = merges.get(fn);
    if (merge === undefined) merges.set(fn, (merge = bind('merge', generateMerge(machine, fields))));
    return `${merge}(args.context, ${u}(args))`;
  };
  const transition = (t: CompiledTransition<C, E>, from: number): string => {
    const name = `take${functions.length}`;
    const lines: string[] = [`function ${name}(host, event) {`];
    const effects = t.ops.flatMap((op) => (op.kind === 'effect' ? [op] : []));
    // Updates and params first, all of them, in the machine's order (params computed from the
    // context the updates before them made, as `CompiledMachine.advance` does): an effect that
    // steps another object (or this one) reuses `args`.
    const params: string[] = [];
    let updates = false;
    for (const op of t.ops) {
      if (op.kind === 'assign') {
        // A new object, as `advance` makes: a context the caller kept never changes.
        lines.push(`  args.context = ${update(op.fn)};`);
        updates = true;
      } else if (!op.dynamic) params.push(op.params === undefined ? 'undefined' : bind('p', op.params));
      else {
        lines.push(`  const a${params.length} = ${bind('f', op.params)}(args);`);
        params.push(`a${params.length}`);
      }
    }
    const target = t.target < 0 ? from : t.target;
    if (target !== from) lines.push(`  host.leaf = ${target};`);
    if (updates) lines.push('  host.context = args.context;');
    // The `first` group ahead, each group in the machine's order; `entered` between them.
    const order = [...effects.keys()].sort((a, b) => (firsts.has(effects[a]!.type) === firsts.has(effects[b]!.type) ? a - b : firsts.has(effects[a]!.type) ? -1 : 1));
    const call = (i: number) => `  ${handlerName.get(effects[i]!.type)}(host, ${params[i]}, event);`;
    for (const i of order) if (firsts.has(effects[i]!.type)) lines.push(call(i));
    if (enteredName !== undefined && target !== from) lines.push(`  ${enteredName}(host, ${target});`);
    for (const i of order) if (!firsts.has(effects[i]!.type)) lines.push(call(i));
    lines.push('  return true;', '}');
    functions.push(lines.join('\n'));
    return `return ${name}(host, event);`;
  };

  // One function per event type, switching on the leaf to one function per (leaf, event type)
  // that tries its guards: V8 inlines only calls that ran and counts a function's whole size
  // against its inlining budget, so small functions let the hot ones be inlined (one big switch
  // over every leaf and type is not).
  const types = [...new Set(leaves.flatMap((byEvent) => [...byEvent.keys()]))];
  const mName = bind('m', machine);
  types.forEach((type, ti) => {
    const cases: string[] = [];
    leaves.forEach((byEvent, leaf) => {
      const list = byEvent.get(type);
      if (list === undefined) return;
      const body: string[] = [`function on${ti}_${leaf}(host, event) {`];
      let open = true;
      for (const t of list) {
        if (t.guard === undefined) {
          body.push(`  ${transition(t, leaf)}`);
          open = false;
          break;
        }
        body.push(`  if (${bind('g', t.guard)}(args)) ${transition(t, leaf)}`);
      }
      if (open) body.push('  return false;');
      body.push('}');
      functions.push(body.join('\n'));
      cases.push(`    case ${leaf}: return on${ti}_${leaf}(host, event);`);
    });
    functions.push([
      `function on${ti}(host, context, event) {`,
      '  args.context = context;',
      '  args.event = event;',
      '  switch (host.leaf) {',
      ...cases,
      '    default: return unknownLeaf(host);',
      '  }',
      '}',
    ].join('\n'));
  });
  functions.push([
    'function unknownLeaf(host) {',
    `  if (host.leaf >= 0 && host.leaf < ${leaves.length}) return false;`,
    `  throw new RangeError('no leaf ' + host.leaf + ' in machine ' + ${mName});`,
    '}',
  ].join('\n'));
  const dispatch = types.map((type, ti) => `    case ${JSON.stringify(type)}: return on${ti}(host, context, event);`);
  const source = [
    'const args = { context: undefined, event: undefined };',
    ...functions,
    'function run(host, context, event) {',
    '  switch (event.type) {',
    ...dispatch,
    '    default: return unknownLeaf(host);',
    '  }',
    '}',
    `run.on = Object.freeze({ ${types.map((type, ti) => `${JSON.stringify(type)}: on${ti}`).join(', ')} });`,
    'return run;',
  ].join('\n');
  const factory = new Function(...names, source) as (...v: unknown[]) => Runner<C, E, H>;
  return factory(...values);
}

/**
 * The fields of a machine's context, in order, as its initial context (made without input) has
 * them; undefined when it cannot be made without input or is not a plain object.
 */
function contextFields<C extends object, E extends { type: string }>(table: CompiledMachine<C, E>): string[] | undefined {
  let context: unknown;
  try {
    context = table.initial().context;
  } catch {
    return undefined;
  }
  if (typeof context !== 'object' || context === null || Object.getPrototypeOf(context) !== Object.prototype) return undefined;
  return Object.keys(context);
}
