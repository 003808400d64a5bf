import type { ReleaseCall, WorldCall, WorldEvent, WorldParams } from '../../machines/index.js';
import { createWorld, ParameterError } from '../../machines/index.js';
import { packageInfo } from '../package-info.js';
import { HARNESS_LIMITS, harnessC } from './harness.js';
import { predictSteps, REFCOUNT_SATURATED } from './predict.js';
import type { KunitCase, KunitStep, KunitSuite } from './types.js';
import type { KunitSweep, SweepObservation } from './sweep.js';
import type { ViolationCase } from './violations.js';
import type { ExampleOrigin, InjectedSite } from './examples.js';
import { VIOLATIONS } from '../../machines/index.js';

/** The kernel's log text of a callback, as the harness records it (amt_call). */
export function callText(c: WorldCall): string {
  switch (c.call) {
    case 'probe': return `probe(dev${c.dev}, drv${c.drv}) = ${c.result}; `;
    case 'remove': return `remove(dev${c.dev}, drv${c.drv}); `;
    case 'release': return `release(dev${c.dev}); `;
    // Not a callback: seen in the kref the step expects.
    case 'kref-saturated': return '';
  }
}

/** The C of one call. Returns the lines, with `ret` holding what the call returned. */
function callC(e: WorldEvent, p: WorldParams, s: KunitStep, assertAlloc = true): string[] {
  switch (e.type) {
    case 'KZALLOC': {
      if (e.fail) return [`c->box[${e.dev}] = NULL;\t/* kzalloc() fails: no container */`];
      const lines = [`c->box[${e.dev}] = amt_alloc(c, ${e.dev});`];
      if (assertAlloc) lines.push(`KUNIT_ASSERT_NOT_NULL(test, c->box[${e.dev}]);`);
      // The id allocated first is written to the device (model.md §4.4).
      if (s.ids[e.dev]! >= 0) lines.push(`c->box[${e.dev}]->adev.id = c->id[${e.dev}];`);
      return lines;
    }
    case 'IDA_ALLOC': {
      const lines = [`ret = ${idaAllocC(p)};`];
      if (s.returns !== undefined && s.returns >= 0) {
        lines.push(`c->id[${e.dev}] = ret;`);
        if (s.devices.some((d) => d.slot === e.dev)) lines.push(`c->box[${e.dev}]->adev.id = ret;`);
      }
      return lines;
    }
    case 'IDA_FREE':
      return [e.via === 'field' ? `ida_free(&c->ida, c->box[${e.dev}]->adev.id);` : `ida_free(&c->ida, c->id[${e.dev}]);`];
    case 'INIT':
      // A NULL parent for this call only: the model's next init has one again.
      return e.ok ? [`ret = auxiliary_device_init(&c->box[${e.dev}]->adev);`] : [
        `c->box[${e.dev}]->adev.dev.parent = NULL;`,
        `ret = auxiliary_device_init(&c->box[${e.dev}]->adev);`,
        `c->box[${e.dev}]->adev.dev.parent = c->parent;`,
      ];
    case 'KZALLOC_DEVM': {
      const lines = [`c->box[${e.dev}] = amt_alloc_devm(c, ${e.dev});`, `KUNIT_ASSERT_NOT_NULL(test, c->box[${e.dev}]);`];
      if (s.ids[e.dev]! >= 0) lines.push(`c->box[${e.dev}]->adev.id = c->id[${e.dev}];`);
      return lines;
    }
    case 'DEVRES_FREE': return [`devm_kfree(c->parent, c->box[${e.dev}]);`];
    case 'INIT_NULL_NAME':
      return [
        `c->box[${e.dev}]->adev.name = NULL;`,
        `ret = auxiliary_device_init(&c->box[${e.dev}]->adev);`,
        `c->box[${e.dev}]->adev.name = "dev";`,
      ];
    case 'ADD_NULL_MODNAME': return [`ret = __auxiliary_device_add(&c->box[${e.dev}]->adev, NULL);`];
    case 'WRITE_ID': return [`WRITE_ONCE(c->box[${e.dev}]->adev.id, ${Math.max(s.ids[e.dev]!, 0)});`];
    case 'SET_RELEASE': return [`c->box[${e.dev}]->adev.dev.release = ${e.present ? 'amt_release' : 'NULL'};`];
    case 'IDA_FREE_NEGATIVE': return ['ida_free(&c->ida, -1);'];
    case 'IDA_ALLOC_EMPTY_RANGE': return [`ret = ida_alloc_range(&c->ida, ${p.idaRange.max + 1}, ${p.idaRange.max}, GFP_KERNEL);`];
    case 'IDA_DESTROY': return ['ida_destroy(&c->ida);'];
    case 'DRV_REGISTER_INCOMPLETE': return [`ret = amt_driver_register_without(c, ${e.drv}, ${e.missing === 'probe' ? 'AMT_NO_PROBE' : 'AMT_NO_ID_TABLE'});`];
    case 'DRV_REGISTER_AS': return [`ret = amt_driver_register_as(c, ${e.drv}, ${e.as});`];
    case 'ADD':
      return [`ret = __auxiliary_device_add(&c->box[${e.dev}]->adev, AMT_MOD);`];
    case 'DELETE': return [`auxiliary_device_delete(&c->box[${e.dev}]->adev);`];
    case 'UNINIT': return [`auxiliary_device_uninit(&c->box[${e.dev}]->adev);`];
    case 'GET': return [`get_device(&c->box[${e.dev}]->adev.dev);`];
    case 'PUT': return [`put_device(&c->box[${e.dev}]->adev.dev);`];
    case 'KFREE': return [`kfree(c->box[${e.dev}]);`];
    case 'READ_ID': return [`(void)READ_ONCE(c->box[${e.dev}]->adev.id);`];
    case 'DRV_REGISTER': return [`ret = amt_driver_register(c, ${e.drv});`];
    case 'DRV_UNREGISTER': return [`amt_driver_unregister(c, ${e.drv});`];
    case 'END': return ['ida_destroy(&c->ida);'];
    // The kernel's delayed cleanup is not the code's call: the step's release is awaited (waitsC).
    case 'RELEASE': return [];
  }
}

/** INT_MAX: the top of the id space, what ida_alloc() and ida_alloc_min() ask for (§4). */
const INT_MAX = 2 ** 31 - 1;

/** The world's id allocation as a driver writes it: ida_alloc() for the whole id space, else the range. */
function idaAllocC(p: WorldParams): string {
  const { min, max } = p.idaRange;
  if (max !== INT_MAX) return `ida_alloc_range(&c->ida, ${min}, ${max}, GFP_KERNEL)`;
  return min === 0 ? 'ida_alloc(&c->ida, GFP_KERNEL)' : `ida_alloc_min(&c->ida, ${min}, GFP_KERNEL)`;
}

/** A bound of the world's id range as C. */
const idC = (id: number) => (id === INT_MAX ? 'INT_MAX' : String(id));

/** The harness's name of each call a release may make on its own device. */
const RELEASE_CALL_C: Readonly<Record<ReleaseCall, string>> = {
  get_device: 'AMT_CALL_GET', put_device: 'AMT_CALL_PUT', auxiliary_device_uninit: 'AMT_CALL_UNINIT', auxiliary_device_delete: 'AMT_CALL_DELETE',
  auxiliary_device_init: 'AMT_CALL_INIT', auxiliary_device_add: 'AMT_CALL_ADD', write_id: 'AMT_CALL_WRITE_ID', set_release: 'AMT_CALL_SET_RELEASE',
  devm_kfree: 'AMT_CALL_DEVM_KFREE',
};

/** A C string literal (the calls text has no quote or backslash, but stay safe). */
const cString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The kernel's line limit (checkpatch's max_line_length), which comment text is wrapped to. */
const COMMENT_WIDTH = 100;

/** ` * text`, wrapped at spaces to COMMENT_WIDTH columns; a continuation is indented by 3. */
function commentLines(text: string): string[] {
  if (` * ${text}`.length <= COMMENT_WIDTH) return [` * ${text}`.trimEnd()];
  const out: string[] = [];
  let line = ' *';
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > COMMENT_WIDTH && line.trim() !== '*') {
      out.push(line);
      line = ' *   ';
    }
    line = line.endsWith(' ') ? line + word : `${line} ${word}`;
  }
  out.push(line);
  return out.map((l) => l.trimEnd());
}

/** Waits for each release the model says the step ran (at once, or when the kernel defers it). */
const waitsC = (s: KunitStep) => s.calls.flatMap((c) => (c.call === 'release' ? [`amt_wait_release(c, ${c.dev});`] : []));

/** Kernel-style comment lines. */
const comment = (lines: string[]) => ['/*', ...lines.flatMap(commentLines), ' */'];

/** The comment lines that say where an example's case comes from: the example, its path, the routine's calls. */
function exampleComment(o: ExampleOrigin): string[] {
  const fault = o.faults[0];
  return [
    `Example ${o.scenario} (examples/${o.scenario}.ts), explored path ${o.path}: ${fault ? `fail-nth ${fault.nth} of its routine fails ${fault.site}() in ${fault.call}` : 'no call fails'}; create returns ${o.created}.`,
    'The routine\'s calls:',
    ...o.calls.map((c) => `  ${c}`),
    'As the world\'s calls (the harness names the device and its module its own way):',
  ];
}

function caseC(k: KunitCase, p: WorldParams, world: number): string[] {
  const out: string[] = [];
  out.push(...comment([
    ...(k.example ? exampleComment(k.example) : [`Path ${k.name}: first to take ${k.covers.join(', ')}.`]),
    ...k.steps.map((s, i) => `${String(i + 1).padStart(2)}. ${s.teardown ? '(teardown) ' : ''}${s.text}${s.inject ? `   <- fail-nth fails ${SITE_TEXT[s.inject]}` : ''}`),
  ]));
  out.push(`static void ${k.name}(struct kunit *test)`, '{');
  // kzalloc's result is the container (or NULL), never ret: only the other calls assign ret.
  const needsRet = k.steps.some((s) => s.returns !== undefined && s.event.type !== 'KZALLOC');
  if (k.steps.some((s) => s.inject)) {
    out.push(...injectingBodyC(k.steps, p, world, false, needsRet));
  } else {
    out.push(`\tstruct amt_ctx *c = amt_setup_w${world}(test);`);
    if (needsRet) out.push('\tint ret;');
    out.push('');
    k.steps.forEach((s, i) => out.push(...stepC(s, i, p)));
  }
  out.push('', '\tamt_teardown(c);', '}', '');
  return out;
}

/** A step's comment and amt_step(); END looks at the IDA before its ida_destroy(). */
function stepHeadC(s: KunitStep, i: number): string[] {
  const out = [`\t/* ${i + 1}. ${s.text} */`, `\tamt_step(c, ${i + 1});`];
  // END: the IDA is looked at before ida_destroy() empties it, as a driver's teardown would.
  if (s.event.type === 'END') out.push(`\tKUNIT_EXPECT_TRUE_MSG(test, ${s.ida.empty ? '' : '!'}ida_is_empty(&c->ida), "step ${i + 1}: IDA empty at the end");`);
  return out;
}

/** What the model predicts the kernel shows after a step (its return, callbacks, devices, IDA), after the releases it waits for. */
function stepChecksC(s: KunitStep, i: number): string[] {
  const out = waitsC(s).map((l) => `\t${l}`);
  if (s.returns !== undefined && s.event.type !== 'KZALLOC') {
    out.push(`\tKUNIT_EXPECT_EQ_MSG(test, ret, ${s.returns}, "step ${i + 1}: return value");`);
  }
  out.push(`\tamt_expect_calls(c, ${cString(s.calls.map(callText).join(''))});`);
  for (const d of s.devices) {
    if (d.valid) out.push(`\tamt_expect_dev(c, ${d.slot}, ${d.kref === REFCOUNT_SATURATED ? 'REFCOUNT_SATURATED' : d.kref}, ${d.registered ? 'true' : 'false'});`);
    out.push(`\tamt_expect_released(c, ${d.slot}, ${d.released});`);
  }
  // END's call is the case's ida_destroy(): the IDA was looked at before it.
  if (s.event.type !== 'END') out.push(`\tamt_expect_ida(c, ${s.ida.lowest}, ${s.ida.empty ? 'true' : 'false'});`);
  return out;
}

/**
 * One step of a case: the call, the releases it waits for, and everything the model predicts the
 * kernel shows after it (only of devices whose memory the model says is still valid).
 */
function stepC(s: KunitStep, i: number, p: WorldParams): string[] {
  return [...stepHeadC(s, i), ...callC(s.event, p, s).map((l) => `\t${l}`), ...stepChecksC(s, i)];
}

/** How the harness tells, after the call, that the failure fail-nth injected is the one the routine explorer injected. */
const FAILED_IN: Readonly<Record<InjectedSite, (dev: number) => string>> = {
  kzalloc: (dev) => `!c->box[${dev}]`,
  ida_alloc: () => 'ret == -ENOMEM',
  dev_set_name: (dev) => `amt_failed_in(c, ${dev}, AMT_FAILED_IN_NAME, ret)`,
  device_add: (dev) => `amt_failed_in(c, ${dev}, AMT_FAILED_IN_DEVICE_ADD, ret)`,
  probe: (dev) => `amt_failed_in(c, ${dev}, AMT_FAILED_IN_BIND, ret)`,
};

/** Where the failure lands, as a comment or message says it. */
const SITE_TEXT: Readonly<Record<InjectedSite, string>> = {
  kzalloc: 'kzalloc()', ida_alloc: 'ida_alloc()', dev_set_name: 'dev_set_name()', device_add: 'device_add()', probe: 'the bind, before the driver\'s probe()',
};

/** The call of a step fail-nth makes fail: the call as made, without asserting what the fault changes. */
function injectedCallC(s: KunitStep, p: WorldParams): string[] {
  const e = s.event;
  if (e.type === 'KZALLOC') return [`c->box[${e.dev}] = amt_alloc(c, ${e.dev});`];
  return callC(asMade(e), p, s, false);
}

/**
 * The body of a case whose step is made to fail with fail-nth, as on the routine explorer's path:
 * which of the call's allocations fails it where the explorer failed it is not assumed but found,
 * trying n = 1, 2, ... each from a fresh world with the steps before it (checked every time: they
 * inject nothing); the world where it did goes on with the step's checks and the steps after it.
 */
function injectingBodyC(steps: readonly KunitStep[], p: WorldParams, world: number, broken: boolean, needsRet: boolean): string[] {
  const f = steps.findIndex((s) => s.inject);
  const s = steps[f]!;
  const site = s.inject!;
  if (steps.some((x, j) => j !== f && x.inject)) throw new ParameterError(`steps[${steps.findIndex((x, j) => j !== f && x.inject)}].inject`, site, 'one step a case makes fail (the search runs once)');
  const dev = 'dev' in s.event ? s.event.dev : 0;
  const ret = needsRet || site !== 'kzalloc';
  const out = ['\tstruct amt_ctx *c;', '\tunsigned int nth;', '\tbool reached;'];
  if (ret) out.push('\tint ret;');
  out.push('', '\tamt_faults_ready(test);');
  out.push(...comment([
    `Step ${f + 1} fails in ${SITE_TEXT[site]}, made to fail with fail-nth: which of the call's`,
    'allocations that is, is found by trying n = 1, 2, ... from a fresh world (the',
    'steps before it inject nothing, and are checked each time).',
  ]).map((l) => `\t${l}`));
  out.push('\tfor (nth = 1; ; nth++) {', `\t\tc = amt_setup_w${world}(test);`);
  if (broken) out.push('\t\tc->broken = true;');
  const indent = (l: string) => (l === '' ? l : `\t${l}`);
  steps.slice(0, f).forEach((x, i) => out.push(...stepC(x, i, p).map(indent)));
  out.push(...stepHeadC(s, f).map(indent));
  out.push('\t\tamt_arm(nth, false);', ...injectedCallC(s, p).map((l) => `\t\t${l}`), '\t\treached = amt_disarm();');
  out.push(`\t\tif (reached && ${FAILED_IN[site](dev)})`, '\t\t\tbreak;');
  out.push('\t\tamt_salvage(c);', '\t\tida_destroy(&c->ida);', '\t\tamt_teardown(c);');
  out.push(`\t\tKUNIT_ASSERT_TRUE_MSG(test, reached && nth < ${MAX_NTH}, "step ${f + 1}: no allocation of the call fails it in ${SITE_TEXT[site]}");`);
  out.push('\t}');
  out.push(`\tkunit_info(test, "step ${f + 1}: fail-nth %u fails it in ${SITE_TEXT[site]}\\n", nth);`);
  out.push(...stepChecksC(s, f));
  steps.slice(f + 1).forEach((x, i) => out.push(...stepC(x, f + 1 + i, p)));
  return out;
}

/** Most n a sweep tries before it calls the call unbounded. */
export const MAX_NTH = 64;

const obsC = (o: SweepObservation) =>
  `{ .ret = ${o.ret}, .allocated = ${o.allocated}, .kref = ${o.kref}, .registered = ${o.registered}, .bound = ${o.bound}, .released = ${o.released} }`;

function sweepC(sw: KunitSweep, p: WorldParams): string[] {
  const out: string[] = [];
  out.push(...comment([
    `Sweep ${sw.name}: ${sw.title}.`,
    'The call is made again from the same state with its nth allocation failing (fail-nth), for',
    'n = 1, 2, ... until it makes fewer than n, then again with every allocation from the nth on',
    'failing. Each outcome must be one of the model\'s, and each of the model\'s must occur:',
    ...sw.outcomes.map((o, k) => `  ${k}: ${o.variants.join(', ')}`),
    ...(sw.prefix.length ? ['Reached by:', ...sw.prefix.map((s, i) => `${String(i + 1).padStart(2)}. ${s.text}`)] : []),
  ]));
  out.push(`static void ${sw.name}(struct kunit *test)`, '{');
  out.push(`\tstatic const struct amt_obs model[] = {`);
  for (const o of sw.outcomes) out.push(`\t\t${obsC(o.observation)},`);
  out.push('\t};');
  out.push('\tunsigned int hits[ARRAY_SIZE(model)] = { }, allocations[2] = { };', '\tbool seen[ARRAY_SIZE(model)] = { };', '\tstruct amt_ctx *c;', '\tstruct amt_obs o;', '\tunsigned int nth;', '\tbool reached;', '\tint mode, ret, k;', '');
  out.push('\tamt_faults_ready(test);', '\tfor (mode = 0; mode < 2; mode++) {', `\t\tfor (nth = 1; nth <= ${MAX_NTH}; nth++) {`);
  const t = '\t\t\t';
  out.push(`${t}c = amt_setup_w${sw.world}(test);`);
  for (const s of sw.prefix) {
    for (const line of callC(s.event, p, s)) out.push(`${t}${line}`);
    if (s.returns !== undefined && s.event.type !== 'KZALLOC') out.push(`${t}KUNIT_ASSERT_EQ(test, ret, ${s.returns});`);
  }
  out.push(`${t}amt_arm(nth, mode);`);
  // The call as a step with no return: which id it gave is the matched outcome's (in the switch).
  const callStep: KunitStep = { event: sw.call, text: '', teardown: false, calls: [], devices: [], ids: sw.prefix.length ? sw.prefix[sw.prefix.length - 1]!.ids : [], ida: { lowest: 0, empty: true } };
  const callLines = callC(sw.call, p, callStep, false);
  for (const line of callLines) out.push(`${t}${line}`);
  if (!callLines.some((l) => l.startsWith('ret ='))) out.push(`${t}ret = 0;`);
  out.push(`${t}reached = amt_disarm();`, `${t}amt_observe(c, ret, &o);`, `${t}k = amt_match(c, &o, model, ARRAY_SIZE(model), nth, mode);`);
  out.push(`${t}switch (k) {`);
  sw.outcomes.forEach((o, k) => {
    out.push(`${t}case ${k}:`);
    if (sw.call.type === 'IDA_ALLOC' && o.observation.ret >= 0) out.push(`${t}\tc->id[${sw.call.dev}] = ret;`);
    for (const s of o.teardown) for (const line of [...callC(s.event, p, s), ...waitsC(s)]) out.push(`${t}\t${line}`);
    out.push(`${t}\tKUNIT_EXPECT_EQ_MSG(test, c->released[0], ${o.releasedAfter}, "fail-nth %u: release calls after the teardown", nth);`);
    out.push(`${t}\tseen[k] = true;`, `${t}\thits[k]++;`, `${t}\tbreak;`);
  });
  out.push(`${t}default:`, `${t}\tamt_salvage(c);`, `${t}\tbreak;`, `${t}}`);
  out.push(`${t}amt_teardown(c);`, `${t}if (!reached)`, `${t}\tbreak;`, '\t\t}');
  out.push(`\t\tKUNIT_EXPECT_LE_MSG(test, nth, ${MAX_NTH}, "the call still failed at fail-nth ${MAX_NTH}");`, '\t\tallocations[mode] = nth - 1;', '\t}');
  out.push('\tkunit_info(test, "the call makes %u allocations (%u when memory runs out)\\n", allocations[0], allocations[1]);');
  out.push('\tfor (k = 0; k < (int)ARRAY_SIZE(model); k++)');
  out.push('\t\tKUNIT_EXPECT_TRUE_MSG(test, seen[k], "the model\'s outcome %d never occurred on the kernel", k);');
  out.push('\tfor (k = 0; k < (int)ARRAY_SIZE(model); k++)');
  out.push('\t\tkunit_info(test, "outcome %d: %u of the runs\\n", k, hits[k]);');
  out.push('}', '');
  return out;
}

function violationC(v: ViolationCase, p: WorldParams): string[] {
  const info = VIOLATIONS[v.code];
  const out = comment([
    ...(v.example ? exampleComment(v.example) : []),
    `Violation ${v.code} (${info.bugClass}): ${info.when}`,
    `The model says the kernel shows: ${info.detection.join(', then ')}.`,
    ...v.steps.map((s, i) => `${String(i + 1).padStart(2)}. ${s.text}${s.inject ? `   <- fail-nth fails ${SITE_TEXT[s.inject]}` : ''}${i === v.steps.length - 1 ? '   <- the misuse' : ''}`),
  ]);
  out.push(`static void ${v.name}(struct kunit *test)`, '{');
  // A call on dead memory returns nothing the model knows, yet its C still assigns ret.
  const checks = v.steps.some((s) => s.returns !== undefined && s.event.type !== 'KZALLOC');
  const assigns = v.steps.some((s) => callC(s.event, p, s).some((l) => l.startsWith('ret =')));
  if (v.steps.some((s) => s.inject)) {
    // The calls before the misuse, and the misuse itself, are checked as in any case.
    out.push(...injectingBodyC(v.steps, p, v.world, true, checks || assigns));
  } else {
    out.push(`\tstruct amt_ctx *c = amt_setup_w${v.world}(test);`);
    if (checks || assigns) out.push('\tint ret;');
    out.push('', '\tc->broken = true;');
    // The calls before the misuse, and the misuse itself, are checked as in any case; the kernel's
    // log of the misuse is judged outside (its WARN, KASAN report, or silence).
    v.steps.forEach((s, i) => out.push(...stepC(s, i, p)));
    if (assigns && !checks) out.push('\t(void)ret;');
  }
  out.push(`\tkunit_info(test, "${v.code} committed\\n");`, '}', '');
  return out;
}

function worldSetupC(p: WorldParams, w: number): string[] {
  const flags = [
    p.release.present && 'AMT_HAS_RELEASE', p.release.freesContainer && 'AMT_RELEASE_FREES_BOX', p.release.freesId && 'AMT_RELEASE_FREES_ID',
    p.release.calls !== undefined && `AMT_RELEASE_CALL(${RELEASE_CALL_C[p.release.calls]})`,
  ].filter(Boolean);
  const probes = p.drivers.map((d) => (d.probe === 'ok' ? '0' : '-ENOMEM'));
  return [
    ...comment([`World ${w}: ${p.devices} device slot(s), ids [${p.idaRange.min}, ${idC(p.idaRange.max)}], ${p.drivers.length} driver(s), release ${flags.join(' | ') || 'absent'}.`]),
    `static const int amt_w${w}_probe[] = { ${probes.length ? probes.join(', ') : '0'} };`,
    '',
    `static struct amt_ctx *amt_setup_w${w}(struct kunit *test)`,
    '{',
    `\treturn amt_setup(test, ${flags.join(' | ') || '0'}, ${p.idaRange.min}, ${idC(p.idaRange.max)}, ${p.drivers.length}, amt_w${w}_probe);`,
    '}',
    '',
  ];
}

/**
 * The call as a case makes it: a case injects no failure into ida_alloc_range,
 * auxiliary_device_add or auxiliary_driver_register (only the fail-nth sweeps arm one). A failing
 * kzalloc (a NULL container) and an init failure (a NULL parent, §1.2) it does make happen.
 */
function asMade(e: WorldEvent): WorldEvent {
  if (e.type === 'IDA_ALLOC' && e.fail) return { ...e, fail: false };
  if (e.type === 'ADD' && e.fault !== 'none') return { ...e, fault: 'none' };
  if (e.type === 'DRV_REGISTER' && e.fault !== 'none') return { ...e, fault: 'none' };
  return e;
}

/**
 * The first step of a case the C cannot make happen as the model says, if any: one with a failure
 * only a sweep can inject, unless the model predicts the same for the whole case without it (an
 * injected ida_alloc failure that allocates nothing, model.md §4.7). Such a case would call the
 * kernel normally and disagree with any kernel.
 */
function notMade(k: Pick<KunitCase, 'steps'>, p: WorldParams, violation = false): number | undefined {
  // A step the case makes fail with fail-nth (an example's path) is made as the model says.
  const made = k.steps.map((s) => (s.inject ? s.event : asMade(s.event)));
  const first = made.findIndex((e, j) => e !== k.steps[j]!.event);
  if (first < 0) return undefined;
  const teardownFrom = k.steps.findIndex((s) => s.teardown);
  const plain = predictSteps(createWorld(p), made, teardownFrom < 0 ? made.length : teardownFrom, violation ? 'any' : false);
  const seen = (steps: readonly KunitStep[]) => JSON.stringify(steps.map(({ returns, calls, devices, ids, ida }) => [returns, calls, devices, ids, ida]));
  return plain !== null && seen(plain) === seen(k.steps) ? undefined : first;
}

/** A C identifier: letters, digits and underscores, not starting with a digit. */
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The suite as one C file for `drivers/base/test/`: kernel style, an SPDX line, one KUnit case
 * per path named after the transition it covers first, each with its path's events as a comment.
 * Throws ParameterError when a world is beyond the harness's limits, a name is not a C identifier,
 * or a case injects a failure the harness cannot make (ida_alloc_range, add, driver register).
 * @example emitKunitC(kunitSuite()).startsWith('// SPDX-License-Identifier: GPL-2.0') // true
 */
export function emitKunitC(suite: KunitSuite): string {
  if (!IDENT.test(suite.name)) throw new ParameterError('suite.name', suite.name, 'a C identifier');
  suite.worlds.forEach((p, w) => {
    if (p.devices > HARNESS_LIMITS.slots) throw new ParameterError(`worlds[${w}].devices`, p.devices, `at most ${HARNESS_LIMITS.slots} slots`);
    if (p.drivers.length > HARNESS_LIMITS.drivers) throw new ParameterError(`worlds[${w}].drivers`, p.drivers.length, `at most ${HARNESS_LIMITS.drivers} drivers`);
  });
  // The bundled examples' paths run with the cases and the violation cases.
  const cases = [...suite.cases, ...suite.examples.cases];
  const violations = [...suite.violations, ...suite.examples.violations];
  for (const k of [...cases, ...suite.sweeps, ...violations]) if (!IDENT.test(k.name)) throw new ParameterError('case.name', k.name, 'a C identifier');
  const refuse = (where: string, k: KunitCase | ViolationCase, j: number) => {
    throw new ParameterError(`${where}.steps[${j}].event`, `${k.name} step ${j + 1}: ${k.steps[j]!.text}`, 'a call a case makes as the model says (only a fail-nth sweep, or a step marked inject, injects a failure into ida_alloc_range, add or driver register; use a world without faults)');
  };
  suite.cases.forEach((k, i) => {
    const j = notMade(k, suite.worlds[k.world]!);
    if (j !== undefined) refuse(`cases[${i}]`, k, j);
  });
  suite.examples.cases.forEach((k, i) => {
    const j = notMade(k, suite.worlds[k.world]!);
    if (j !== undefined) refuse(`examples.cases[${i}]`, k, j);
  });
  suite.examples.violations.forEach((v, i) => {
    const j = notMade(v, suite.worlds[v.world]!, true);
    if (j !== undefined) refuse(`examples.violations[${i}]`, v, j);
  });
  const out: string[] = [
    '// SPDX-License-Identifier: GPL-2.0',
    ...comment([
      `KUnit suite generated by auxbus-model ${packageInfo().version} from its XState machines; do not edit.`,
      '',
      'Each case replays one path of the model\'s composed world (devices, their parent\'s IDA and',
      'auxiliary drivers) on the real auxiliary bus, then the shortest correct teardown, and after',
      'every call expects what the model predicts: the return value, the kernel\'s probe, remove and',
      'release callbacks in order, each live device\'s kref and registration, the release count and',
      'the IDA\'s lowest free id.',
    ]),
    '',
    harnessC(suite.name),
  ];
  // Only the worlds some case runs in: an unused static setup would warn.
  suite.worlds.forEach((p, w) => {
    if ([...cases, ...suite.sweeps, ...violations].some((k) => k.world === w)) out.push(...worldSetupC(p, w));
  });
  for (const k of cases) out.push(...caseC(k, suite.worlds[k.world]!, k.world));
  const deferred = cases.filter((k) => suite.worlds[k.world]!.deferredRelease);
  const immediate = cases.filter((k) => !suite.worlds[k.world]!.deferredRelease);
  for (const sw of suite.sweeps) out.push(...sweepC(sw, suite.worlds[sw.world]!));
  for (const v of violations) out.push(...violationC(v, suite.worlds[v.world]!));
  out.push(`static struct kunit_case ${suite.name}_cases[] = {`);
  for (const k of immediate) out.push(`\tKUNIT_CASE(${k.name}),`);
  for (const sw of suite.sweeps) out.push(`\tKUNIT_CASE(${sw.name}),`);
  out.push('\t{ }', '};', '');
  out.push(`static struct kunit_suite ${suite.name}_suite = {`, `\t.name = "${suite.name}",`, `\t.test_cases = ${suite.name}_cases,`, '};', '');
  const suites = [`&${suite.name}_suite`];
  // Cases of worlds whose release is deferred: their own suite, booted with CONFIG_DEBUG_KOBJECT_RELEASE.
  if (deferred.length > 0) {
    out.push(`static struct kunit_case ${suite.name}_deferred_cases[] = {`);
    for (const k of deferred) out.push(`\tKUNIT_CASE(${k.name}),`);
    out.push('\t{ }', '};', '');
    out.push(`static struct kunit_suite ${suite.name}_deferred_suite = {`, `\t.name = "${suite.name}_deferred",`, `\t.test_cases = ${suite.name}_deferred_cases,`, '};', '');
    suites.push(`&${suite.name}_deferred_suite`);
  }
  if (violations.length > 0) {
    suites.push(`&${suite.name}_violations_suite`);
    out.push(`static struct kunit_case ${suite.name}_violations_cases[] = {`);
    for (const v of violations) out.push(`\tKUNIT_CASE(${v.name}),`);
    out.push('\t{ }', '};', '');
    out.push(`static struct kunit_suite ${suite.name}_violations_suite = {`, `\t.name = "${suite.name}_violations",`, `\t.test_cases = ${suite.name}_violations_cases,`, '};', '');
  }
  out.push(`kunit_test_suites(${suites.join(', ')});`, '', `MODULE_DESCRIPTION("auxbus-model: the auxiliary bus checked against its model");`, 'MODULE_LICENSE("GPL");', '');
  return out.join('\n');
}
