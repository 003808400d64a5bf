import { ParameterError, requireObject } from '../../machines/common/errors.js';
import { isArray } from '../../machines/common/checks.js';
import { CompiledMachine, UnsupportedMachineError, type CompiledTransition } from './compile.js';

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
 * Generates the step of a compiled machine whose state is its leaf (no context updates).
 * Throws {@link UnsupportedMachineError} for a machine with `assign` actions and
 * {@link ParameterError} for handlers that do not cover the machine's effects.
 * @example
 * const run = generateRunner<IdaContext, IdaEvent, Host>(compileMachine(idaMachine), {
 *   handlers: { returns: (h, p) => { h.returned = (p as ReturnsParams).value; }, markAllocated: ..., ... },
 *   first: ['markAllocated', 'clearId', 'setOwner', 'clearAll'],
 * });
 * run(host, {}, { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false, lowest: 0 }); // true; host.leaf is inUse
 * run.on.FREE!(host, {}, { type: 'FREE', id: 0, owner: 0, holder: 0, last: true });  // the FREE step alone
 */
export function generateRunner<C extends object, E extends { type: string }, H extends RunnerHost>(
  table: CompiledMachine<C, E>,
  options: RunnerOptions<H, E>,
): Runner<C, E, H> {
  requireObject('table', table, 'a compiled machine (compileMachine(machine))');
  if (!(table instanceof CompiledMachine)) throw new ParameterError('table', table, 'a compiled machine (compileMachine(machine))');
  const machine = table.machine.id;
  // requireObject and isArray: a revoked proxy anywhere in the options is refused, not a TypeError.
  requireObject('options', options, 'an object { handlers, first? }');
  const { handlers, first = [] } = options;
  requireObject('handlers', handlers, 'an object: effect type → function (host, params, event)');
  if (!isArray(first) || first.some((t) => typeof t !== 'string')) throw new ParameterError('first', first, 'an array of effect types');

  const leaves = table.leaves.map((_, leaf) => table.transitionsOf(leaf));
  const named = new Set<string>();
  for (const byEvent of leaves) {
    for (const list of byEvent.values()) {
      for (const t of list) {
        for (const op of t.ops) {
          if (op.kind === 'assign') throw new UnsupportedMachineError(machine, `a context update on ${t.definition.source.id}:${t.definition.eventType}`, 'a machine whose state is its leaf (no assign): a generated runner keeps no context');
          named.add(op.type);
        }
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
  const transition = (t: CompiledTransition<C, E>, from: number): string => {
    const name = `take${functions.length}`;
    const lines: string[] = [`function ${name}(host, event) {`];
    const effects = t.ops.flatMap((op) => (op.kind === 'effect' ? [op] : []));
    // Params first, all of them: an effect that steps another object (or this one) reuses `args`.
    const params = effects.map((op, i) => {
      if (!op.dynamic) return op.params === undefined ? 'undefined' : bind('p', op.params);
      lines.push(`  const a${i} = ${bind('f', op.params)}(args);`);
      return `a${i}`;
    });
    const target = t.target < 0 ? from : t.target;
    if (target !== from) lines.push(`  host.leaf = ${target};`);
    // The `first` group ahead, each group in the machine's order.
    const order = [...effects.keys()].sort((a, b) => (firsts.has(effects[a]!.type) === firsts.has(effects[b]!.type) ? a - b : firsts.has(effects[a]!.type) ? -1 : 1));
    for (const i of order) lines.push(`  ${handlerName.get(effects[i]!.type)}(host, ${params[i]}, event);`);
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
