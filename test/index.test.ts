import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import * as api from '../src/index.js';
import * as checked from '../machines/checked.js';
import { EXAMPLES } from '../examples/index.js';

/**
 * Every export of the package, called with hostile values: each must end in a typed
 * `AuxbusError` (or a documented acceptance) and leave the kernel it belongs to as it was.
 * The list of exports is read from the module, so a new export without an entry here fails
 * this test; the tables say how each is called. Every export is typed (issue 16 item 7): no
 * hostile value makes one throw anything but an `AuxbusError`.
 *
 * The model's hot helpers (`stepWorld`, `worldEvents`, `stepIda`, ...) are exported checked
 * (machines/checked.ts) while the runtime and the explorers call the unchecked ones: the last
 * test here keeps it so.
 */

const { AuxbusError } = api;

const HOSTILE: ReadonlyArray<[string, () => unknown]> = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['a Symbol', () => Symbol('hostile')],
  ['a revoked Proxy', () => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; }],
  ['NaN', () => Number.NaN],
  ['-1', () => -1],
  ['2**53', () => 2 ** 53],
  ['a 1 MiB string', () => 'x'.repeat(2 ** 20)],
  ['a wrong-typed object', () => ({ wrong: true })],
];

type Outcome = 'typed' | 'accepted' | 'untyped';
interface Entry {
  /** Calls the export with `bad` where the caller's value goes. */
  call: (bad: unknown) => unknown;
  /** Documented: any value is accepted (the result is checked by `ok`). */
  accepts?: { why: string; ok: (result: unknown) => boolean };
}

const first = (name: string): Entry => ({ call: (bad) => (api as unknown as Record<string, (x: unknown) => unknown>)[name]!(bad) });
const anything = (why: string, ok: (r: unknown) => boolean): Partial<Entry> => ({ accepts: { why, ok } });
const isString = (r: unknown) => typeof r === 'string';
const isBool = (r: unknown) => typeof r === 'boolean';

/** How each function is called: its first parameter takes the hostile value, unless said otherwise. */
const FUNCTIONS: Record<string, Entry> = Object.fromEntries(Object.entries({
  allStateNodes: {}, allTransitions: {}, allocNeedsMemory: {}, allocReturn: {}, applyIdaEffect: {},
  asText: anything('any value as message text', isString),
  auxApiMentions: {}, checkDiagrams: anything('takes no argument (it compares diagrams/ with the machines)', () => true),
  checkPaths: {}, checkScenario: {}, checkSource: {}, compileMachine: {},
  createSucceeded: anything('a predicate on what create returned: a non-NULL pointer or a non-negative int', isBool), createWorld: {}, dataField: {},
  dedupeProblems: {}, defineScenario: {},
  describeValue: anything('any value in words', isString),
  describeWorld: {}, describeWorldEvent: {}, deviceEventsOf: {}, deviceOwner: {}, deviceTraversal: {},
  driverTraversal: anything('options are optional; the driver machine\'s traversal ignores what it does not know', () => true),
  errnoName: anything('a name for a known errno, undefined for anything else', (r) => r === undefined || isString(r)),
  explore: {}, exploreWorld: {}, exportPaths: {}, faultLabel: {}, formatExploration: {}, formatFindings: {}, formatGcc: {},
  formatWorldExploration: {},
  generateDiagrams: anything('takes no argument', () => true),
  generateRunner: {},
  idField: {}, idaAllocEvent: {}, idaCallAlphabet: {}, idaClaimEvent: {}, idaEvent: {},
  idaEventBuffers: anything('takes no argument', () => true),
  idaFreeEvent: {}, idaIsEmpty: {}, idaMachinePath: {}, idaTestModel: {}, idaTraversal: {}, initialIdaComponent: {}, initialWorldState: {},
  isAuxApiFunction: anything('a predicate: false for anything that is not a known function name', isBool),
  isViolationCode: anything('a predicate: false for anything that is not a code', isBool),
  leakReport: {}, leakedIds: {},
  loadScenarios: {},
  log: anything('an effect builder: its params are data for the machine', () => true),
  lowestFree: {}, maskAnnotations: {},
  memoryTraversal: anything('options are optional', () => true),
  mentionsAuxApi: {}, mermaidFor: {}, mermaidMarkdown: {}, operationOf: {},
  pathsToMarkdown: {}, readChart: {}, readPathInput: {}, readSource: {}, refcount: {}, renderSvg: {}, replayPath: {},
  report: anything('an effect builder: its params are data for the machine', () => true),
  requireBool: {}, requireFreeRange: {}, requireId: {}, requireIdaCapacity: {}, requireInt: {}, requireObject: {}, requireOwner: {},
  requireMaxMemory: {}, requirePositiveLimit: {}, resolveRoutineOptions: {}, resolveWorldParams: {},
  ret: anything('an effect builder: its params are data for the machine', () => true),
  routineCode: {}, runScenario: {}, serializeIdaModel: {}, serializeWorld: {}, sharedEvents: {}, slotEvents: {}, sourceFromBytes: {},
  statesVisited: {}, stepIda: {}, stepWorld: {}, toCheckJson: {}, toDot: {}, toMermaid: {}, toSarif: {}, transitionId: {},
  transitionsTaken: {},
  valueText: anything('any value a routine returned, shown as text', isString),
  valueToJson: anything('any value a routine returned, as JSON', () => true), violationInfo: {}, violationsAlong: {}, worldEventAlphabet: {}, worldEvents: {},
  worldTestPaths: {},
  worldTraversal: anything('options are optional', () => true),
  writeDiagrams: {}, xstateIda: {},
  // Added by issue 15's install work (auxbus export, baselines, diagnostics).
  machineConfig: {}, requireResult: {}, relativeUri: {}, diagnosticId: {}, displayColumn: {}, fingerprint: {},
  toBaseline: {}, writeBaseline: {}, readBaseline: {}, applyBaseline: {}, changedLines: {}, touches: {},
  // Issue 17: the world as Promela, and Spin run on it.
  worldPromela: {}, runSpin: {},
} as Record<string, Partial<Entry>>).map(([name, e]) => [name, { ...first(name), ...e }]));

/** The error classes: made with hostile values they still make an AuxbusError (never throw). */
const ERRORS = [
  'AuxbusError', 'CallBudgetError', 'CheckPathError', 'FileError', 'ForeignObjectError', 'GrammarLoadError', 'IdSetStateError',
  'ModelTooLargeError', 'ParameterError', 'PathInputError', 'ScenarioModuleError', 'UnknownCodeError', 'UnsupportedMachineError',
  'UsageError', 'ViolationError', 'UnsupportedPromelaError', 'SpinIncompleteError',
];

/** The runtime's objects: a valid instance, and the methods a driver calls (the rest is @internal). */
function kernelWorld() {
  const k = new api.Kernel({ trace: true });
  const pdev = k.parentDevice('pci0');
  const ida = k.idaInit('ida');
  const adev = k.kzallocDevice('foo')!;
  adev.name = 'foo';
  adev.parent = pdev;
  adev.release = (d) => k.kfree(d);
  adev.init();
  const drv = k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: () => 0 });
  const mem = k.kzalloc('mem')!;
  return { k, pdev, ida, adev, drv, mem };
}
type KernelWorld = ReturnType<typeof kernelWorld>;

/** Public methods per class: how to reach a valid instance in a kernel world. */
const METHODS: Record<string, { of: (w: KernelWorld) => object; methods: string[]; internal: string[]; accepts?: Record<string, { values: string[]; why: string }>; calls?: Record<string, (target: never, bad: unknown) => unknown> }> = {
  Kernel: {
    of: (w) => w.k,
    accepts: {
      kfree: { values: ['null'], why: 'kfree(NULL) does nothing, as in C' },
      auxiliaryDriver: { values: ['a wrong-typed object'], why: '§1.9, B13: a spec without probe or id_table is a driver the kernel refuses at register (reported there)' },
    },
    methods: ['kzalloc', 'kzallocDevice', 'devmKzallocDevice', 'kfree', 'parentDevice', 'idaInit', 'auxiliaryDriver', 'auxiliaryDeviceCreate', 'auxiliaryDeviceDestroy', 'devmAuxiliaryDeviceCreate', 'runPendingReleases'],
    internal: ['shutdown', 'report', 'runDelayed', 'enter', 'exit', 'call', 'here', 'adopt', 'settle', 'raise', 'printk', 'scheduleRelease', 'runRelease', 'claimId', 'freerOf', 'requireOwn', 'finding', 'modelKey'],
  },
  AuxDevice: {
    of: (w) => w.adev,
    methods: ['field', 'setField', 'add'],
    accepts: { add: { values: ['null'], why: '§1.3: a NULL modname, add returns -EINVAL' } },
    internal: ['describe', 'init', 'delete', 'uninit', 'get', 'put', 'fill', 'free', 'devresFree', 'logFields', 'send', 'access', 'simple', 'modelKey'],
  },
  Ida: {
    of: (w) => w.ida, methods: ['alloc', 'free'],
    accepts: {
      free: { values: ['-1'], why: '§4: ida_free of an id negative as an int returns silently (lib/idr.c fc82bbf4dede)' },
      alloc: { values: ['a wrong-typed object'], why: 'a range without min or max takes the defaults (ida_alloc)' },
    },
    internal: ['describe', 'destroy', 'isEmpty', 'logFields', 'send', 'stepped', 'ownerOf', 'claim', 'endCheck', 'eventFor', 'modelKey'] },
  AuxDriver: {
    of: (w) => w.drv, methods: ['register', 'match'],
    accepts: { match: { values: ['a 1 MiB string'], why: 'any string is a name to look up; it matches nothing' } }, internal: ['describe', 'fill', 'unregister', 'logFields', 'onEffect'] },
  ParentDevice: {
    of: (w) => w.pdev, methods: ['devmAddActionOrReset', 'devmKfree'],
    calls: {
      devmAddActionOrReset: (p: api.ParentDevice, bad) => p.devmAddActionOrReset(bad as string, () => {}),
      devmKfree: (p: api.ParentDevice, bad) => p.devmKfree(bad as api.AuxDevice),
    },
    internal: ['manage', 'unbind', 'describe', 'modelKey'] },
  AuxiliaryBus: {
    of: (w) => w.k.bus,
    methods: ['find', 'hasDevice', 'hasDriver', 'driverOf', 'matchName', 'uevent'],
    accepts: Object.fromEntries(['find', 'hasDevice', 'hasDriver', 'matchName'].map((m) => [m, { values: ['a 1 MiB string'], why: 'any string is a name to look up' }])),
    internal: ['list', 'driverNames', 'insertDevice', 'removeDevice', 'probeDevice', 'attachDriver', 'detachDriver', 'unbindDevice', 'shutdownDevices', 'tryProbe'],
  },
  FaultInjector: { of: (w) => w.k.faults, methods: ['failNth', 'failNths', 'failSite'], internal: ['shouldFail'] },
  Allocation: { of: (w) => w.mem, methods: [], internal: ['describe', 'free', 'get', 'set'] },
};
/** Classes made only by the package itself, or pure data structures with their own tests. */
const OTHER_CLASSES = ['SortedIdSet', 'CompiledMachine'];

/**
 * Classes a caller makes on its own, outside a kernel: the constructor called with hostile
 * values, and each public method given hostile input (`call` says where it goes); `state`
 * is what a refusal must leave as it was.
 */
const STANDALONE: Record<string, {
  construct: { call: (bad: unknown) => object; accepts: Record<string, string> };
  methods: Record<string, { make: () => object; call: (target: never, bad: unknown) => unknown }>;
  state: (o: never) => unknown;
}> = {
  MemoryGauge: {
    construct: {
      call: (bad) => new api.MemoryGauge(bad as () => number),
      accepts: { undefined: "the default reads the process's resident set" },
    },
    methods: {
      // sample() takes no argument: its input is what `read` returns, the second read onwards.
      sample: {
        make: () => {
          let reads = 0;
          return new api.MemoryGauge(() => (reads++ === 0 ? 1000 : (next as number)));
        },
        call: (g: api.MemoryGauge, bad) => {
          next = bad;
          return g.sample();
        },
      },
    },
    state: (g: api.MemoryGauge) => [g.baseline, g.peak],
  },
};
/** What the gauge of STANDALONE.MemoryGauge.sample reads next. */
let next: unknown;

/** Everything observable of a kernel world, as data (taken without kernel calls). */
function snapshot(w: KernelWorld): string {
  return JSON.stringify({
    report: w.k.report(), calls: w.k.calls, log: w.k.log, bus: w.k.bus.list(), ids: w.ida.allocated,
    adev: [w.adev.stateId, w.adev.refcount], drv: w.drv.stateId, devres: w.pdev.pendingDevres, faults: w.k.faults.calls,
  });
}

async function outcome(run: () => unknown, accepts?: Entry['accepts']): Promise<Outcome> {
  try {
    let r = run();
    if (r instanceof Promise) r = await r;
    if (accepts?.ok(r)) return 'accepted';
    return accepts ? 'untyped' : 'accepted';
  } catch (e) {
    return e instanceof AuxbusError ? 'typed' : 'untyped';
  }
}

/**
 * Valid arguments of every export that takes more than one, for the test that puts each hostile
 * value in each later argument (the first is FUNCTIONS' test). Made afresh for every call; the
 * first test below fails when an export of two or more parameters has no entry.
 */
const world = () => api.resolveWorldParams({ devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }] });
const finding = () => ({ code: 'double-free' as const, function: 'f', at: { file: 'a.c', line: 9, column: 2 }, message: 'kfree(p) at line 9', functionLines: { start: 5, end: 12 } });
const alloc = () => ({ type: 'ALLOC' as const, min: 0, max: 3, owner: 0, fault: false });
const devicePath = () => {
  let [state] = initialTransition(api.deviceMachine, { hasRelease: true });
  const steps = [{ state, event: { type: 'xstate.init' } }];
  [state] = transition(api.deviceMachine, state, { type: 'INIT', parent: true, name: true });
  steps.push({ state, event: { type: 'INIT', parent: true, name: true } as never });
  return { steps, state };
};
const LATER_ARGUMENTS: Record<string, () => unknown[]> = {
  allocNeedsMemory: () => [api.SortedIdSet.empty(4), 0],
  applyIdaEffect: () => [api.SortedIdSet.empty(4), 'markAllocated', { ...alloc(), lowest: 0 }],
  idField: () => [[-1, 1], 1],
  idaAllocEvent: () => [api.SortedIdSet.empty(4), alloc(), api.idaEventBuffers().ALLOC],
  idaFreeEvent: () => [api.SortedIdSet.of(4, [[2, 5]]), { type: 'FREE', id: 2, owner: 5 }, api.idaEventBuffers().FREE],
  idaClaimEvent: () => [api.SortedIdSet.of(4, [[2, 0]]), { type: 'CLAIM', id: 2, owner: 1 }, api.idaEventBuffers().CLAIM],
  initialWorldState: () => [api.XSTATE_COMPONENTS, world()],
  stepWorld: () => {
    const p = world();
    return [api.XSTATE_COMPONENTS, p, api.initialWorldState(api.XSTATE_COMPONENTS, p), { type: 'KZALLOC', dev: 1, fail: false }, []];
  },
  worldEvents: () => {
    const p = world();
    return [api.XSTATE_COMPONENTS, p, api.initialWorldState(api.XSTATE_COMPONENTS, p)];
  },
  slotEvents: () => [api.XSTATE_COMPONENTS, world(), null, -1, 0, []],
  sharedEvents: () => {
    const p = world();
    return [api.XSTATE_COMPONENTS, p, api.initialWorldState(api.XSTATE_COMPONENTS, p), []];
  },
  worldEventAlphabet: () => {
    const p = world();
    return [p, api.createWorld(p).getInitialSnapshot(undefined as never, undefined)];
  },
  stepIda: () => [api.xstateIda, api.initialIdaComponent(4), alloc()],
  xstateIda: () => [api.initialIdaComponent(4).machine, { type: 'DESTROY' }],
  transitionsTaken: () => [api.deviceMachine, [devicePath()]],
  violationsAlong: () => [api.deviceMachine, devicePath()],
  displayColumn: () => ['\treturn y + x;', 11],
  maskAnnotations: () => ['static int __init f(void)', undefined],
  applyBaseline: () => [[finding()], api.toBaseline([finding()])],
  touches: () => [finding(), new Set([7])],
  lowestFree: () => [api.SortedIdSet.of(4, [[0, 0]]), 0, 3],
  leakedIds: () => [api.SortedIdSet.of(4, [[0, 0], [1, 5]]), [5]],
  idaEvent: () => [api.SortedIdSet.empty(4), alloc(), api.idaEventBuffers()],
  generateRunner: () => [api.compileMachine(api.idaMachine), { handlers: Object.fromEntries(['markAllocated', 'clearId', 'setOwner', 'clearAll', 'returns', 'violation', 'kernelLog'].map((t) => [t, () => {}])) }],
  toDot: () => [api.readChart('device'), {}],
  toMermaid: () => [api.readChart('device'), {}],
  replayPath: () => ['device', [{ type: 'INIT', parent: true, name: true }], { hasRelease: true }],
  readPathInput: () => [[{ type: 'INIT', parent: true, name: true }], 1],
  sourceFromBytes: () => ['int x;', {}],
  readSource: () => ['package.json', {}],
  requirePositiveLimit: () => ['maxBytes', 3],
  toCheckJson: () => [checkResult(), '0.1.0'],
  formatGcc: () => [checkResult(), {}],
  toSarif: () => [checkResult(), '0.1.0', {}],
  writeBaseline: () => [join(scratch(), 'baseline.json'), [finding()]],
  checkSource: () => ['int x;', 'a.c', {}],
  checkPaths: () => [['test/fixtures/check/corpus/add-uninitialized-ok-1.c'], {}],
  idaCallAlphabet: () => [2, 2],
  requireFreeRange: () => [0, 1, 4],
  dataField: () => [{ a: 1 }, 'a', 'spec.a'],
  requireInt: () => ['devices', 1, 0, 3, 'why'],
  requireObject: () => ['options', {}, 'an object'],
  requireId: () => ['id', 1, 4],
  requireOwner: () => ['owner', 1],
  requireBool: () => ['faults', true],
  requireMaxMemory: () => ['maxMemory', undefined],
  explore: () => [EXAMPLES[0], {}],
  runScenario: () => [EXAMPLES[0], [], 'audit', 100, 'immediate'],
  checkScenario: () => [EXAMPLES[0], 'scenario'],
  exploreWorld: () => [{ devices: 1 }, {}, api.ANY_CALL],
  worldPromela: () => [{ devices: 1 }, api.ANY_CALL, {}],
  runSpin: () => [api.worldPromela({ devices: 1 }), { optimize: '-O0' }],
  deviceEventsOf: () => [{ devices: 1 }, [{ type: 'KZALLOC', dev: 0, fail: false }], 0],
  log: () => ['warn', 'text'],
  valueToJson: () => [{ a: 1 }, 0],
};
const checkResult = () => ({ files: 1, functions: 1, findings: [finding()], notAnalysed: [] });
let scratchDir: string | undefined;
const scratch = () => (scratchDir ??= mkdtempSync(join(tmpdir(), 'auxbus-index-')));

/**
 * How many parameters a function declares, defaults included (`Function.length` stops at the
 * first default): its source's parameter list, split at top-level commas.
 */
function arity(fn: Function): number {
  const src = Function.prototype.toString.call(fn);
  let depth = 0;
  let count = 0;
  let any = false;
  let quote = '';
  for (let i = src.indexOf('('); i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === quote && src[i - 1] !== '\\') quote = '';
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c) && --depth === 0) break;
    else if (c === ',' && depth === 1) count++;
    else if (depth === 1 && !/\s/.test(c)) any = true;
  }
  return any ? count + 1 : 0;
}

/** An argument as data, to tell whether a call changed it (functions and unreadable values as a mark). */
function dataOf(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'function' ? 'a function' : v instanceof Set ? [...(v as Set<unknown>)] : v)) ?? 'undefined';
  } catch {
    return 'not JSON';
  }
}

const exported = Object.entries(api as unknown as Record<string, unknown>);
const isClass = (v: unknown) => typeof v === 'function' && /^class\b/.test(Function.prototype.toString.call(v));

describe('every export of src/index.ts, called with hostile values (issue 16 item 7)', () => {
  it('every exported function and class has an entry in the tables', () => {
    const functions = exported.filter(([, v]) => typeof v === 'function' && !isClass(v)).map(([k]) => k);
    const classes = exported.filter(([, v]) => isClass(v)).map(([k]) => k);
    expect(functions.filter((f) => !(f in FUNCTIONS))).toEqual([]);
    expect(Object.keys(FUNCTIONS).filter((f) => !functions.includes(f))).toEqual([]);
    const api_ = api as unknown as Record<string, Function>;
    expect(functions.filter((f) => arity(api_[f]!) >= 2 && !(f in LATER_ARGUMENTS))).toEqual([]);
    expect(Object.keys(LATER_ARGUMENTS).filter((f) => !functions.includes(f) || arity(api_[f]!) < 2)).toEqual([]);
    expect(classes.filter((c) => !ERRORS.includes(c) && !(c in METHODS) && !(c in STANDALONE) && !OTHER_CLASSES.includes(c) && c !== 'Kernel')).toEqual([]);
  });

  it('every public method of the runtime\'s classes is in its table (public, or @internal)', () => {
    for (const [name, { methods, internal }] of Object.entries(METHODS)) {
      const proto = (api as unknown as Record<string, { prototype: object }>)[name]!.prototype;
      const own = Object.getOwnPropertyNames(proto).filter((m) => m !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, m)!.value === 'function');
      expect(own.filter((m) => !methods.includes(m) && !internal.includes(m)), name).toEqual([]);
    }
  });

  for (const [name, entry] of Object.entries(FUNCTIONS)) {
    it(`${name}(hostile) ${entry.accepts ? `is accepted: ${entry.accepts.why}` : 'throws a typed AuxbusError'}`, async () => {
      const results: string[] = [];
      for (const [label, make] of HOSTILE) results.push(`${label}: ${await outcome(() => entry.call(make()), entry.accepts)}`);
      expect(results.filter((r) => r.endsWith('untyped'))).toEqual([]);
    });
  }

  for (const [name, valid] of Object.entries(LATER_ARGUMENTS)) {
    it(`${name}(valid, ..., hostile, ...): a hostile value in any argument is refused with a typed error, and a refusal changes no argument`, async () => {
      const fn = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
      expect(() => fn(...valid()), 'the valid arguments are accepted').not.toThrow();
      const results: string[] = [];
      for (let at = 1; at < valid().length; at++) {
        for (const [label, make] of HOSTILE) {
          const args = valid();
          const before = args.map(dataOf);
          args[at] = make();
          const r = await outcome(() => fn(...args));
          results.push(`argument ${at}, ${label}: ${r}`);
          if (r === 'typed') args.forEach((a, i) => i !== at && expect(dataOf(a), `${name}: argument ${i} after a refusal of argument ${at} (${label})`).toBe(before[i]));
        }
      }
      expect(results.filter((r) => r.endsWith('untyped'))).toEqual([]);
    });
  }

  for (const name of ERRORS) {
    it(`new ${name}(hostile, ...) makes an AuxbusError whose message is a string, or refuses with one`, () => {
      const C = (api as unknown as Record<string, new (...a: unknown[]) => unknown>)[name]!;
      for (const [label, make] of HOSTILE) {
        const key = `new ${name}`;
        let made: unknown;
        try {
          made = new C(make(), make(), make(), make());
        } catch (e) {
          if (e instanceof AuxbusError) continue; // refused with a typed error: as good
          throw new Error(`${key}(${label}) threw ${String((e as Error).message)}`);
        }
        expect(made, label).toBeInstanceOf(AuxbusError);
        expect(typeof (made as Error).message, label).toBe('string');
      }
    });
  }

  it('new Kernel(hostile): a typed error; the defaults for undefined and for an object without known options', async () => {
    for (const [label, make] of HOSTILE) {
      const v = make();
      const defaults = label === 'undefined' || label === 'a wrong-typed object';
      expect(await outcome(() => new api.Kernel(v as never)), label).toBe(defaults ? 'accepted' : 'typed');
    }
  });

  for (const [cls, { of, methods }] of Object.entries(METHODS)) {
    for (const m of methods) {
      const key = `${cls}#${m}`;
      it(`${key}(hostile) throws a typed AuxbusError and leaves the kernel as it was`, async () => {
        const results: string[] = [];
        for (const [label, make] of HOSTILE) {
          const w = kernelWorld();
          const before = snapshot(w);
          const target = of(w) as Record<string, (x: unknown) => unknown>;
          const custom = METHODS[cls]!.calls?.[m];
          const r = await outcome(() => (custom ? custom(target as never, make()) : target[m]!.call(target, make())));
          results.push(`${label}: ${r}`);
          // A typed refusal changes nothing (the kernel call counter included).
          if (r === 'typed') expect(snapshot(w), `${key}(${label})`).toBe(before);
        }
        // An optional parameter takes its default for undefined; other acceptances are listed with their reason.
        const ok = METHODS[cls]!.accepts?.[m]?.values ?? [];
        expect(results.filter((r) => r.endsWith('untyped') || (r.endsWith('accepted') && !r.startsWith('undefined:') && !ok.some((v) => r.startsWith(`${v}:`))))).toEqual([]);
      });
    }
  }

  for (const [cls, { construct, methods, state }] of Object.entries(STANDALONE)) {
    it(`new ${cls}(hostile): a typed error, except ${Object.entries(construct.accepts).map(([v, why]) => `${v} (${why})`).join(', ')}`, async () => {
      for (const [label, make] of HOSTILE) {
        expect(await outcome(() => construct.call(make())), label).toBe(label in construct.accepts ? 'accepted' : 'typed');
      }
    });

    it(`${cls}: every public method is in its table`, () => {
      const proto = (api as unknown as Record<string, { prototype: object }>)[cls]!.prototype;
      const own = Object.getOwnPropertyNames(proto).filter((m) => m !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, m)!.value === 'function');
      expect(own.filter((m) => !(m in methods))).toEqual([]);
    });

    for (const [m, { make, call }] of Object.entries(methods)) {
      it(`${cls}#${m}(hostile) throws a typed AuxbusError and leaves the object as it was`, async () => {
        for (const [label, value] of HOSTILE) {
          const target = make();
          const before = JSON.stringify(state(target as never));
          expect(await outcome(() => call(target as never, value())), `${cls}#${m}(${label})`).toBe('typed');
          expect(JSON.stringify(state(target as never)), `${cls}#${m}(${label})`).toBe(before);
        }
      });
    }
  }

  it('no module of the package imports the checked helpers but src/index.ts: the runtime and the explorers keep the unchecked ones', () => {
    const sources: Array<[string, string]> = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path);
        else if (/\.(ts|mts|mjs|js)$/.test(e.name)) sources.push([path, readFileSync(path, 'utf8')]);
      }
    };
    for (const dir of ['src', 'machines', 'bench', 'examples', 'scripts']) walk(dir);
    // The checked modules import each other's checks (machines/checked.ts gathers them); src/index.ts exports them.
    const importers = sources.filter(([path, text]) => /checked\.js['"]/.test(text) && !/(^|[./])checked\.ts$/.test(path)).map(([path]) => path);
    expect(importers).toEqual(['src/index.ts']);
    // Nor does any module take a checked helper by its public name from the package's entry point.
    const names = new Set(Object.keys(checked));
    const byName = sources.flatMap(([path, text]) => [...text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(\.[^']*)'/g)]
      .filter((m) => join(dirname(path), m[2]!) === join('src', 'index.js'))
      .flatMap((m) => m[1]!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!).filter((n) => names.has(n)).map((n) => `${path}: ${n}`)));
    expect(byName).toEqual([]);
  });
});
