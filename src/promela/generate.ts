import {
  allocNeedsMemory, lowestFree, requireBool, requireObject, resolveWorldParams,
  type ReleaseCall, type WorldAction, type WorldEvent, type WorldParams, type WorldParamsInput,
} from '../../machines/index.js';
import type { ViolationParams } from '../../machines/common/effects.js';
import { requireExplorable } from '../../machines/world/world.params.js';
import { tables as compiled } from '../runtime/tables.js';
import { ANY_CALL, type WorldCode } from '../explore/world/index.js';
import { UnsupportedPromelaError } from './errors.js';
import { worldTables, type ComponentTable, type WorldTables } from './tables.js';
import { slotCode } from './code.js';
import { block, oneOf, seq } from './text.js';

/**
 * The composed world as Promela, for Spin. Component states are numbers (the compiled machines'
 * states, interned); each component's transition table is written from the compiled machine's own
 * steps, so every guard and context update is the machine's (evaluated by the compiled table, never
 * re-written by hand); the wiring between components is `stepWorld`'s, written once here for every
 * machine. Each world call is one `d_step`, so Spin stores exactly the world states our explorer
 * does; every violation is an `assert(!violation_<code>)`.
 */

/** Options of {@link worldPromela}. */
export interface WorldPromelaOptions {
  /**
   * For Spin's multicore verifier (`gcc -DNCORE=N`), which refuses hidden variables: the scratch
   * of a step is plain state, 0 between steps (the same states; a few bytes more per state).
   */
  multicore?: boolean;
}

/** The Promela of a world, with what reading Spin's answers needs. */
export interface WorldPromela {
  /** The model's text. */
  text: string;
  params: WorldParams;
  /** The world call of each `EVENT n` a replayed trail prints, by n. */
  events: WorldEvent[];
  /** Every violation code the model asserts, by its Promela name (`violation_free_after_init`). */
  codes: Map<string, string>;
  /** Reachable states as our explorer counts them (no symmetry), for comparison. */
  exploredStates: number;
}

/**
 * The device table key of each call a release may make on its own device (as `stepWorld`'s
 * RELEASE_CALL_EVENTS sends it); devm_kfree has none here: the world never allocates devm memory.
 */
const RELEASE_CALL_KEYS: Readonly<Record<ReleaseCall, string | undefined>> = {
  get_device: 'GET', put_device: 'PUT', auxiliary_device_uninit: 'UNINIT', auxiliary_device_delete: 'DELETE',
  auxiliary_device_init: 'I11', auxiliary_device_add: 'A10none', write_id: 'Wid', set_release: 'S1', devm_kfree: undefined,
};

/** A table step with more rows than this is a C lookup (Spin allows 2,048 jump points per d_step). */
const C_TABLE_ROWS = 300;

/** Effect chains (a step's effect sending another step) deeper than this are refused: a cycle. */
const MAX_DEPTH = 12;

const promelaName = (code: string) => `violation_${code.replace(/[^A-Za-z0-9]/g, '_')}`;


/** What an IDA call's key must match, as Promela over the world. */
type IdaSpec =
  | { type: 'ALLOC'; fail: boolean }
  | { type: 'FREE' | 'CLAIM'; id: string; owner: string }
  | { type: 'END' };

interface Job { to: 'dev' | 'ida' | 'drv'; i: number | undefined }

/**
 * The number a step's effect list goes by in `fxN` (0: none), numbering each distinct list of one
 * table once, so its effects are written once however many rows name them.
 */
function listNumber(lists: Map<string, { n: number; effects: readonly WorldAction[] }>, effects: readonly WorldAction[]): number {
  if (effects.length === 0) return 0;
  const key = JSON.stringify(effects);
  let l = lists.get(key);
  if (l === undefined) lists.set(key, (l = { n: lists.size + 1, effects }));
  return l.n;
}

class Generator {
  readonly codes = new Map<string, string>();
  maxDepth = 0;
  readonly K: number;
  private readonly devStates: number;

  constructor(readonly params: WorldParams, readonly t: WorldTables, readonly multicore = false) {
    this.K = params.devices;
    this.devStates = t.comps.device.states.length;
  }

  /**
   * A scratch variable as C code reads it: hidden globals by name; for a multicore verifier, which
   * refuses hidden variables, plain globals (`now.x`), reset at the end of every step.
   */
  cv(name: string): string {
    return this.multicore ? `now.${name}` : name;
  }

  /** Device slot i's state: 0 for no container, interned state + 1. */
  dev(i: number) { return `dev[${i}]`; }

  /** Device states (as stored: interned + 1) with a tag. */
  tagged(tag: string): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.devStates; s++) if (compiled.device.hasTag(this.t.comps.device.states[s]!, tag)) out.push(s + 1);
    return out;
  }

  violation(code: string): string {
    const name = promelaName(code);
    this.codes.set(name, code);
    return `assert(!${name})`;
  }

  fx(depth: number): string {
    if (depth > MAX_DEPTH) throw new UnsupportedPromelaError('an effect chain', `deeper than ${MAX_DEPTH} steps (a step whose effects send it again?)`);
    this.maxDepth = Math.max(this.maxDepth, depth);
    return `fx${depth}`;
  }

  /** Runs the table rows `rows` (condition, next-state assignment, effects) then their effects. */
  private dispatch(rows: Array<{ cond: string; assign: string; effects: readonly WorldAction[] }>, nullAlt: string | undefined, job: Job, primary: boolean, depth: number): string {
    const fx = this.fx(depth);
    const lists = new Map<string, { n: number; effects: readonly WorldAction[] }>();
    const alts: string[] = [];
    if (nullAlt !== undefined) alts.push(`${nullAlt} -> ${fx} = 0`);
    for (const r of rows) alts.push(`${r.cond} -> ${r.assign}${fx} = ${listNumber(lists, r.effects)}`);
    alts.push(`else -> ${this.violation('untabled-step')}`);
    const out = [block(alts)];
    const effectAlts = [...lists.values()].map((l) => `${fx} == ${l.n} -> ${this.effects(job, l.effects, primary, depth + 1)}`);
    if (effectAlts.length > 0) out.push(block([...effectAlts, 'else -> skip']));
    return seq(out);
  }

  /** C tables the model declares (`c_decl`): lookups too large for Promela `if` rows. */
  readonly cDecls: string[] = [];

  /** C tables declared so far, by name: a name is declared once and looked up anywhere. */
  private readonly cTables = new Map<string, number>();

  /**
   * A step as a C table lookup (`c_decl` arrays, one `c_code` reading them): `cells` maps an index
   * to the next state of `target` and the effects the step names. Promela `if` rows of a large table
   * pass the 2,048 jump points Spin allows in one d_step. An index outside the table, or one with
   * no cell, is an untabled step, as elsewhere. `index` is a C expression (state variables as
   * `now.x`, hidden ones by name).
   */
  private cLookup(name: string, size: number, cells: ReadonlyMap<number, { next: number; effects: readonly WorldAction[] }>, index: string, target: string, job: Job, primary: boolean, depth: number): string {
    const fx = this.fx(depth);
    const lists = new Map<string, { n: number; effects: readonly WorldAction[] }>();
    const next = new Array<number>(size).fill(-1);
    const fxs = new Array<number>(size).fill(0);
    for (const [at, cell] of cells) {
      next[at] = cell.next;
      fxs[at] = listNumber(lists, cell.effects);
    }
    if (lists.size > 255) throw new UnsupportedPromelaError(`the ${name} table`, `${lists.size} effect lists (at most 255)`);
    const id = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    if (!this.cTables.has(id)) {
      this.cTables.set(id, size);
      // Spin takes a c_decl of a few kilobytes at most: the tables go in chunks, read by a function.
      const CHUNK = 1000;
      const chunks = Math.max(1, Math.ceil(size / CHUNK));
      for (let c = 0; c < chunks; c++) {
        const part = (a: number[]) => a.slice(c * CHUNK, (c + 1) * CHUNK).join(',');
        this.cDecls.push(`int ${id}_NEXT_${c}[] = {${part(next)}};`, `unsigned char ${id}_FX_${c}[] = {${part(fxs)}};`);
      }
      const pick = (arr: string) => `static int ${arr.toLowerCase()}(int i) {\n    if (i < 0) return -1;\n${Array.from({ length: chunks }, (_, c) => `    if (i < ${(c + 1) * CHUNK}) return ${arr}_${c}[i - ${c * CHUNK}];`).join('\n')}\n    return -1;\n  }`;
      this.cDecls.push(pick(`${id}_NEXT`), pick(`${id}_FX`));
    }
    const nextOf = `${id.toLowerCase()}_next`;
    const fxOf = `${id.toLowerCase()}_fx`;
    // A function call in a c_expr is a side effect to Spin: the lookup sets `untab` instead.
    const [at, untab] = [this.cv('at'), this.cv('untab')];
    const lookup = `c_code { ${at} = ${index}; if (${at} >= ${size} || ${nextOf}(${at}) < 0) ${untab} = 1; else { ${untab} = 0; ${this.cv(fx)} = ${fxOf}(${at}); now.${target} = ${nextOf}(${at}); } }`;
    const out = [`${lookup};\nif\n:: untab -> ${this.violation('untabled-step')}\n:: else -> skip\nfi`];
    const effectAlts = [...lists.values()].map((l) => `${fx} == ${l.n} -> ${this.effects(job, l.effects, primary, depth + 1)}`);
    if (effectAlts.length > 0) out.push(block([...effectAlts, 'else -> skip']));
    return seq(out);
  }

  /** The IDA's END call, by (IDA state, flagged-slot mask): always a C table (2^K masks per state). */
  sendIdaEnd(depth: number): string {
    const masks = 1 << this.K;
    const cells = new Map<number, { next: number; effects: readonly WorldAction[] }>();
    for (const [key, entries] of this.t.ida) {
      if (key[0] !== 'E') continue;
      const mask = (key.slice(1) === '' ? [] : key.slice(1).split(',').map(Number)).reduce((m, owner) => m | (1 << (owner - 1)), 0);
      for (const e of entries) cells.set(e.from * masks + mask, { next: e.next, effects: e.effects });
    }
    return this.cLookup('ida_end', this.t.comps.ida.states.length * masks, cells, `now.ida * ${masks} + ${this.cv('exc')}`, 'ida', { to: 'ida', i: undefined }, false, depth);
  }

  /** An IDA ALLOC of a large world (the world's range, faulted or not) as a C table by IDA state. */
  private sendIdaAlloc(slot: number | undefined, spec: IdaSpec & { type: 'ALLOC' }, primary: boolean, depth: number): string {
    const { min, max } = this.params.idaRange;
    const cells = new Map<number, { next: number; effects: readonly WorldAction[] }>();
    for (const [key, entries] of this.t.ida) {
      for (const e of entries) if (this.idaKeyCondition(key, e.from, spec, min, max) === 'true') cells.set(e.from, { next: e.next, effects: e.effects });
    }
    return this.cLookup(`ida_alloc_${+spec.fail}`, this.t.comps.ida.states.length, cells, 'now.ida', 'ida', { to: 'ida', i: slot }, primary, depth);
  }

  /**
   * An IDA FREE or CLAIM of a large world as a C table by (IDA state, id, owner): the id and the
   * owner are world values, set into `idv` and `own` first.
   */
  private sendIdaByIdOwner(slot: number | undefined, spec: IdaSpec & { type: 'FREE' | 'CLAIM' }, primary: boolean, depth: number): string {
    const { min, max } = this.params.idaRange;
    const ids = max - min + 1;
    const owners = this.K + 1;
    const cells = new Map<number, { next: number; effects: readonly WorldAction[] }>();
    for (const [key, entries] of this.t.ida) {
      if (key[0] !== spec.type[0]) continue;
      const [id, owner] = key.slice(1).split(',').map(Number) as [number, number];
      if (id < min || id > max || owner < 0 || owner >= owners) continue;
      for (const e of entries) cells.set((e.from * ids + (id - min)) * owners + owner, { next: e.next, effects: e.effects });
    }
    const [idv, own] = [this.cv('idv'), this.cv('own')];
    const index = `(${idv} < ${min} || ${idv} > ${max}) ? ${this.t.comps.ida.states.length * ids * owners} : (now.ida * ${ids} + (${idv} - ${min})) * ${owners} + ${own}`;
    return seq([`idv = ${spec.id}; own = ${spec.owner}`, this.cLookup(`ida_${spec.type.toLowerCase()}`, this.t.comps.ida.states.length * ids * owners, cells, index, 'ida', { to: 'ida', i: slot }, primary, depth)]);
  }

  /**
   * The device states a release callback runs in: where RUN_RELEASE leads, and where its read of
   * the id leads from there. A call the release makes is tabled from these only: the rows of other
   * states would inline effects (a put that runs the release again) no release can reach.
   */
  releaseStates(): ReadonlySet<number> {
    const at = new Set((this.t.device.get('RUN_RELEASE') ?? []).map((e) => e.next));
    for (const e of this.t.device.get('Rid') ?? []) if (at.has(e.from)) at.add(e.next);
    return at;
  }

  /** A device event on slot i, by its table key; nothing when the slot has no container. `only`: the rows of these states alone. */
  sendDev(i: number, key: string, primary: boolean, depth: number, only?: ReadonlySet<number>): string {
    const rows = (this.t.device.get(key) ?? []).filter((e) => only === undefined || only.has(e.from)).map((e) => ({
      cond: `${this.dev(i)} == ${e.from + 1}`,
      assign: e.next === e.from ? '' : `${this.dev(i)} = ${e.next + 1}; `,
      effects: e.effects,
    }));
    return this.dispatch(rows, `${this.dev(i)} == 0`, { to: 'dev', i }, primary, depth);
  }

  /** A driver machine event on driver j, by its table key. */
  sendDrv(j: number, key: string, primary: boolean, depth: number): string {
    const rows = (this.t.driver.get(key) ?? []).map((e) => ({
      cond: `drv[${j}] == ${e.from}`,
      assign: e.next === e.from ? '' : `drv[${j}] = ${e.next}; `,
      effects: e.effects,
    }));
    return this.dispatch(rows, undefined, { to: 'drv', i: j }, primary, depth);
  }

  /** Device states with the `bound` tag (as stored: interned + 1). */
  private bound: number[] | undefined;
  boundStates(): number[] {
    return (this.bound ??= this.tagged('bound'));
  }

  /** Whether a probe loop is being written: `pdone` is one variable, so probes must not nest. */
  private inProbe = false;

  /**
   * `stepWorld`'s probe(i, order) (§1.8): the drivers of `order` tried in turn until one binds; a
   * pending injected bind failure (`bindf`) is taken by the first bind tried, which then stops.
   * `order` is a list of Promela expressions naming a driver, each with the condition under which
   * it is in the list.
   */
  probe(i: number, order: Array<{ when: string; drv: string }>, depth: number): string {
    if (this.inProbe) throw new UnsupportedPromelaError('a probe', 'a probe whose effects probe again');
    this.inProbe = true;
    try {
      const ENOMEM = -12;
      const tries = order.map(({ when, drv }) => {
        const results = this.params.drivers.map((d, j) => `${drv} == ${j} -> ${this.sendDev(i, `P${d.probe === 'ok' ? 0 : ENOMEM}`, false, depth)}`);
        const attempt = seq([
          block([...results, `else -> ${this.violation('untabled-step')}`]),
          `if\n:: ${oneOf(this.dev(i), this.boundStates())} -> bnd[${i}] = ${drv}; pdone = 1\n:: else -> skip\nfi`,
        ]);
        const body = `if\n:: bindf -> bindf = 0; pdone = 1; ${this.sendDev(i, `P${ENOMEM}`, false, depth)}\n:: else -> ${attempt}\nfi`;
        return `if\n:: !pdone && ${when} -> ${body}\n:: else -> skip\nfi`;
      });
      return seq(['pdone = 0', ...tries]);
    } finally {
      this.inProbe = false;
    }
  }

  /** An IDA call whose parameters are Promela expressions over the world. */
  sendIda(slot: number | undefined, spec: IdaSpec, primary: boolean, depth: number): string {
    const rows: Array<{ cond: string; assign: string; effects: readonly WorldAction[] }> = [];
    const { min, max } = this.params.idaRange;
    for (const [key, entries] of this.t.ida) {
      for (const e of entries) {
        const cond = this.idaKeyCondition(key, e.from, spec, min, max);
        if (cond === undefined) continue;
        rows.push({ cond: `ida == ${e.from} && ${cond}`, assign: e.next === e.from ? '' : `ida = ${e.next}; `, effects: e.effects });
      }
    }
    // Spin allows 2,048 jump points in one d_step: a large table is looked up in C.
    if (rows.length > C_TABLE_ROWS && (spec.type === 'FREE' || spec.type === 'CLAIM')) return this.sendIdaByIdOwner(slot, spec, primary, depth);
    if (rows.length > C_TABLE_ROWS && spec.type === 'ALLOC') return this.sendIdaAlloc(slot, spec, primary, depth);
    return this.dispatch(rows, undefined, { to: 'ida', i: slot }, primary, depth);
  }

  /** When IDA table key `key` (from state `from`) is the call `spec` makes, as a Promela condition. */
  private idaKeyCondition(key: string, from: number, spec: IdaSpec, min: number, max: number): string | undefined {
    const kind = key[0];
    if (spec.type === 'ALLOC') {
      if (kind !== 'A') return undefined;
      const [kmin, kmax, owner, fault] = key.slice(1).split(',').map(Number);
      if (kmin !== min || kmax !== max || owner !== 0) return undefined;
      const set = this.t.comps.ida.states[from]!.set;
      const want = spec.fail && allocNeedsMemory(set, lowestFree(set, min, max));
      return fault === +want ? 'true' : undefined;
    }
    if (spec.type === 'FREE' || spec.type === 'CLAIM') {
      if (kind !== spec.type[0]) return undefined;
      const [id, owner] = key.slice(1).split(',').map(Number);
      // An owner known when generating (a slot's token) is decided here, not in Promela.
      if (/^\d+$/.test(spec.owner)) return Number(spec.owner) === owner ? `${spec.id} == ${id}` : undefined;
      return `${spec.id} == ${id} && ${spec.owner} == ${owner}`;
    }
    if (kind !== 'E') return undefined;
    // `exc` holds the flagged slots as a bit mask, computed once before the call (see `excusedMask`).
    const excused = key.slice(1) === '' ? [] : key.slice(1).split(',').map(Number);
    return `exc == ${excused.reduce((m, owner) => m | (1 << (owner - 1)), 0)}`;
  }

  /** Sets `exc` to the mask of slots whose device has a finding (the IDA's END excuses their ids). */
  excusedMask(): string {
    const flagged = this.flaggedStates();
    return `exc = ${Array.from({ length: this.K }, (_, j) => `(${oneOf(this.dev(j), flagged)} -> ${1 << j} : 0)`).join(' + ')}`;
  }

  private flagged: number[] | undefined;
  flaggedStates(): number[] {
    if (this.flagged === undefined) {
      this.flagged = [];
      for (let s = 0; s < this.devStates; s++) if (this.t.comps.device.states[s]!.context.flagged) this.flagged.push(s + 1);
    }
    return this.flagged;
  }

  /** The wiring of `stepWorld`'s effects, for one effect list of a step of `job`. */
  effects(job: Job, actions: readonly WorldAction[], primary: boolean, depth: number): string {
    const out: string[] = [];
    const p = this.params;
    for (const a of actions) {
      switch (a.type) {
        case 'returns':
          if (primary) out.push(`if\n:: !hasRet -> ret = ${(a.params as { value: number }).value}; hasRet = 1\n:: else -> skip\nfi`);
          break;
        case 'violation':
          out.push(this.violation((a.params as ViolationParams).code));
          break;
        case 'scheduleRelease':
          // Deferred: the device waits in a releasePending state for the RELEASE call (or END).
          if (job.to === 'dev' && !p.deferredRelease) out.push(this.sendDev(job.i!, 'RUN_RELEASE', false, depth));
          break;
        case 'runRelease': {
          if (job.to !== 'dev') break;
          const i = job.i!;
          if (p.release.freesId) {
            out.push(`if\n:: ids[${i}] >= 0 -> ${seq([this.sendDev(i, 'Rid', false, depth), this.sendIda(i, { type: 'FREE', id: `ids[${i}]`, owner: String(i + 1) }, false, depth)])}\n:: else -> skip\nfi`);
          }
          // A call the release makes on its own device (a devm_kfree() frees only devm memory,
          // which this world never allocates: nothing).
          const call = p.release.calls === undefined ? undefined : RELEASE_CALL_KEYS[p.release.calls];
          if (call !== undefined) out.push(this.sendDev(i, call, false, depth, this.releaseStates()));
          if (p.release.freesContainer) out.push(this.sendDev(i, 'KFREE', false, depth));
          out.push(this.sendDev(i, 'RELEASED', false, depth));
          break;
        }
        case 'writeField':
          if (job.to === 'dev') out.push(`if\n:: ids[${job.i}] >= 0 -> ${this.claim(job.i!, depth)}\n:: else -> skip\nfi`);
          break;
        case 'busAdd':
          if (job.to === 'dev') out.push(`onBus[${job.i}] = 1`);
          break;
        case 'busRemove':
          if (job.to === 'dev') out.push(`onBus[${job.i}] = 0`);
          break;
        case 'probeDrivers':
          // The registered drivers, in registration order (`ord[0..nord)`).
          if (job.to === 'dev' && p.drivers.length > 0) {
            out.push(this.probe(job.i!, p.drivers.map((_, n) => ({ when: `nord > ${n}`, drv: `ord[${n}]` })), depth));
          }
          break;
        case 'driverRemove':
          if (job.to === 'dev' && p.drivers.length > 0) out.push(`bnd[${job.i}] = -1`);
          break;
        case 'attachDevices': {
          if (job.to !== 'drv') break;
          const j = job.i!;
          // driver_attach walks the bus's list: a dangling entry (B1, no container) is walked too.
          const steps = [`ord[nord] = ${j}; nord++`];
          for (let i = 0; i < this.K; i++) {
            steps.push(`if\n:: onBus[${i}] && !(${oneOf(this.dev(i), this.boundStates())}) -> ${this.probe(i, [{ when: 'true', drv: String(j) }], depth)}\n:: else -> skip\nfi`);
          }
          out.push(seq(steps));
          break;
        }
        case 'detachDevices': {
          if (job.to !== 'drv') break;
          const j = job.i!;
          const steps = [this.removeFromOrder(j)];
          for (let i = 0; i < this.K; i++) steps.push(`if\n:: bnd[${i}] == ${j} -> ${this.sendDev(i, 'UNBIND', false, depth)}\n:: else -> skip\nfi`);
          out.push(seq(steps));
          break;
        }
        default:
          break; // kernelLog, saturateKref and anything informational: no state
      }
    }
    return seq(out);
  }

  /** Driver j out of the registration order, the rest closing up (the tail kept 0, so equal orders are equal states). */
  removeFromOrder(j: number): string {
    const D = this.params.drivers.length;
    const alts: string[] = [];
    for (let n = 0; n < D; n++) {
      const shift = [];
      for (let m = n; m < D - 1; m++) shift.push(`ord[${m}] = ord[${m + 1}]`);
      shift.push(`ord[${D - 1}] = 0`, 'nord--');
      alts.push(`nord > ${n} && ord[${n}] == ${j} -> ${shift.join('; ')}`);
    }
    return block([...alts, 'else -> skip']);
  }

  claim(i: number, depth: number): string {
    return this.sendIda(i, { type: 'CLAIM', id: `ids[${i}]`, owner: String(i + 1) }, false, depth);
  }

  /** Another device on the bus has slot i's name (`nameTaken` of `stepWorld`). */
  nameTaken(i: number): string {
    const f = (j: number) => `(ids[${j}] > 0 -> ids[${j}] : 0)`;
    const parts: string[] = [];
    for (let j = 0; j < this.K; j++) if (j !== i) parts.push(`(onBus[${j}] && ${f(j)} == ${f(i)})`);
    return parts.length === 0 ? 'false' : parts.join(' || ');
  }
}

/**
 * Writes the world for `input` (and the calls `code` makes) as Promela. Throws
 * {@link UnsupportedPromelaError} for what it cannot generate exactly (a step no world call of the
 * generator sends, a probe whose effects probe again), {@link ParameterError} on bad params.
 * @example worldPromela({ devices: 2, idaRange: { min: 0, max: 1 } }).text
 */
export function worldPromela(input: WorldParamsInput = {}, code: WorldCode = ANY_CALL, generation: WorldPromelaOptions = {}): WorldPromela {
  requireObject('worldPromela(options)', generation, 'an object { multicore? }');
  const multicore = requireBool('multicore', generation.multicore ?? false);
  const params = requireExplorable(resolveWorldParams(input));
  const t = worldTables(params, code);
  for (const [key] of t.device) {
    if (!/^(I[01][01]|A1[01](none|name-nomem|device-add-nomem)|P-?\d+|Rid|Wid|S1|[A-Z_]+)$/.test(key)) throw new UnsupportedPromelaError(`device event '${key}'`, 'no world call of this generator sends it');
  }
  for (const [key] of t.driver) {
    if (!/^(R110(none|register-nomem)|UNREGISTER)$/.test(key)) throw new UnsupportedPromelaError(`driver event '${key}'`, 'no world call of this generator sends it');
  }
  const D = params.drivers.length;
  const g = new Generator(params, t, multicore);
  const K = params.devices;
  // Filled in once the deepest effect chain is known.
  const RESET = '/* reset */';
  const events: WorldEvent[] = [];
  const options: string[] = [];
  const codeOf = slotCode(code, t, K, D);
  const option = (event: WorldEvent, guard: string, body: string) => {
    const n = events.length;
    events.push(event);
    const offered = codeOf.guard(event);
    if (offered === 'false') return;
    options.push(`:: d_step { !ended && ${guard} && ${offered} -> hasRet = 0; printf("EVENT ${n}\\n");\n${seq([body, codeOf.update(event), ...(multicore ? [RESET] : [])])} }`);
  };
  const initDev = g.t.comps.world.device.initial(params.release.present, false) + 1;
  const beforeInit = g.tagged('live').filter((s) => !g.tagged('refcounted').includes(s));
  const refsBelow: number[] = [];
  for (let s = 0; s < t.comps.device.states.length; s++) if (t.comps.device.states[s]!.context.refs < params.refBound) refsBelow.push(s + 1);
  for (let i = 0; i < K; i++) {
    const d = g.dev(i);
    const allocate = `${d} = ${initDev};\nif\n:: ids[${i}] >= 0 -> ${g.claim(i, 0)}\n:: else -> skip\nfi`;
    option({ type: 'KZALLOC', dev: i, fail: false }, `${d} == 0`, allocate);
    if (params.faults) option({ type: 'KZALLOC', dev: i, fail: true }, `${d} == 0`, 'ret = 0; hasRet = 1');
    for (const fail of params.faults ? [false, true] : [false]) {
      option({ type: 'IDA_ALLOC', dev: i, fail }, `ids[${i}] == -1 && (${d} == 0 || ${oneOf(d, beforeInit)})`, seq([
        g.sendIda(i, { type: 'ALLOC', fail }, true, 0),
        `if\n:: hasRet && ret >= 0 -> ids[${i}] = ret;\n  if\n  :: ${d} != 0 -> ${g.claim(i, 0)}\n  :: else -> skip\n  fi\n:: else -> skip\nfi`,
      ]));
    }
    const free = g.sendIda(i, { type: 'FREE', id: `ids[${i}]`, owner: `(${d} != 0 -> ${i + 1} : 0)` }, true, 0);
    option({ type: 'IDA_FREE', dev: i, via: 'saved' }, `ids[${i}] >= 0`, free);
    option({ type: 'IDA_FREE', dev: i, via: 'field' }, `ids[${i}] >= 0 && ${d} != 0`, seq([g.sendDev(i, 'Rid', true, 0), free]));
    const live = `${d} != 0`;
    // The kernel's delayed cleanup (model.md §4.6) of a device whose release is pending.
    if (params.deferredRelease) option({ type: 'RELEASE', dev: i }, oneOf(d, g.tagged('releasePending')), g.sendDev(i, 'RUN_RELEASE', true, 0));
    option({ type: 'INIT', dev: i, ok: true }, live, g.sendDev(i, 'I11', true, 0));
    if (params.faults) option({ type: 'INIT', dev: i, ok: false }, live, g.sendDev(i, 'I01', true, 0));
    const addFaults = !params.faults ? (['none'] as const) : D > 0 ? (['none', 'name-nomem', 'device-add-nomem', 'bind-nomem'] as const) : (['none', 'name-nomem', 'device-add-nomem'] as const);
    for (const fault of addFaults) {
      // An injected bind failure waits for the first bind the add's probe attempts (§1.8).
      const dk = fault === 'bind-nomem' ? 'none' : fault;
      const add = `if\n:: ${g.nameTaken(i)} -> ${g.sendDev(i, `A11${dk}`, true, 0)}\n:: else -> ${g.sendDev(i, `A10${dk}`, true, 0)}\nfi`;
      option({ type: 'ADD', dev: i, fault }, live, fault === 'bind-nomem' ? seq(['bindf = 1', add, 'bindf = 0']) : add);
    }
    option({ type: 'DELETE', dev: i }, live, g.sendDev(i, 'DELETE', true, 0));
    option({ type: 'UNINIT', dev: i }, live, g.sendDev(i, 'UNINIT', true, 0));
    option({ type: 'GET', dev: i }, `${live} && ${oneOf(d, refsBelow)}`, g.sendDev(i, 'GET', true, 0));
    option({ type: 'PUT', dev: i }, live, g.sendDev(i, 'PUT', true, 0));
    option({ type: 'KFREE', dev: i }, live, g.sendDev(i, 'KFREE', true, 0));
    option({ type: 'READ_ID', dev: i }, live, g.sendDev(i, 'Rid', true, 0));
  }
  // Driver register / unregister (`sharedEvents`): a registered driver may be registered again (B19).
  const registered: number[] = [];
  for (let r = 0; r < t.comps.driver.states.length; r++) if (t.comps.world.driver.registered(r)) registered.push(r);
  for (let j = 0; j < D; j++) {
    option({ type: 'DRV_REGISTER', drv: j, fault: 'none' }, 'true', g.sendDrv(j, 'R110none', true, 0));
    if (params.faults) {
      const unregistered = `!${oneOf(`drv[${j}]`, registered)}`;
      option({ type: 'DRV_REGISTER', drv: j, fault: 'register-nomem' }, unregistered, g.sendDrv(j, 'R110register-nomem', true, 0));
      option({ type: 'DRV_REGISTER', drv: j, fault: 'bind-nomem' }, unregistered, seq(['bindf = 1', g.sendDrv(j, 'R110none', true, 0), 'bindf = 0']));
    }
    option({ type: 'DRV_UNREGISTER', drv: j }, 'true', g.sendDrv(j, 'UNREGISTER', true, 0));
  }
  const pending = g.tagged('releasePending');
  const end: string[] = [];
  for (let i = 0; i < K; i++) end.push(`if\n:: ${oneOf(g.dev(i), pending)} -> ${g.sendDev(i, 'RUN_RELEASE', false, 0)}\n:: else -> skip\nfi`);
  for (let i = 0; i < K; i++) end.push(g.sendDev(i, 'END', false, 0));
  end.push(g.excusedMask(), g.sendIdaEnd(0), 'ended = 1');
  option({ type: 'END' }, 'true', seq(end));

  // ret, hasRet, exc and untab: a call's return and the END mask; at, idv, own: a C table
  // lookup's index and the id and owner an IDA call is looked up by; fxN: a step's effect list.
  const scratch: Array<[string, string]> = [
    ['short', 'ret'], ['byte', 'hasRet'], ['byte', 'exc'], ['byte', 'untab'], ['int', 'at'], ['short', 'idv'], ['byte', 'own'],
    // bindf: an injected bind failure not yet taken; pdone: a probe loop found its driver.
    ...(D > 0 ? [['byte', 'bindf'], ['byte', 'pdone']] as Array<[string, string]> : []),
    ...Array.from({ length: g.maxDepth + 1 }, (_, n): [string, string] => ['byte', `fx${n}`]),
  ];
  const hidden = multicore ? '' : 'hidden ';
  const reset = scratch.map(([, name]) => `${name} = 0`).join('; ');
  for (let o = 0; o < options.length; o++) options[o] = options[o]!.replace(RESET, reset);
  const devType = t.comps.device.states.length + 1 < 256 ? 'byte' : 'short';
  const idaType = t.comps.ida.states.length < 256 ? 'byte' : 'short';
  const header = [
    `/* auxbus world: ${K} device(s), ids ${params.idaRange.min}..${params.idaRange.max}, faults ${params.faults ? 'on' : 'off'}, code: ${code.name}.`,
    `   Generated by auxbus-model (src/promela) from the compiled machines' tables: do not edit.`,
    `   Device states: ${t.comps.device.states.length} (0 = no container, n = interned state n-1); IDA states: ${t.comps.ida.states.length}. */`,
    '',
    `${devType} dev[${K}];`,
    `short ids[${K}] = -1;`,
    `bool onBus[${K}];`,
    // Drivers: each one's machine state, the registration order (ord[0..nord), the rest 0) and
    // the driver each device is bound to (-1: none).
    ...(D > 0 ? [`byte drv[${D}] = ${g.t.comps.world.driver.initial()};`, `byte ord[${D}];`, 'byte nord;', `short bnd[${K}] = -1;`] : []),
    ...codeOf.declare,
    `${idaType} ida = ${g.t.comps.world.ida.initial(params.idaRange.max + 1)};`,
    'bool ended;',
    multicore
      ? '/* Scratch of one step: 0 between steps (a multicore verifier refuses hidden variables). */'
      : '/* Scratch of one step (hidden: not part of the state). */',
    ...scratch.map(([type, name]) => `${hidden}${type} ${name};`),
    ...g.cDecls.map((d) => `c_decl {\n  ${d}\n}`),
    '/* Each violation code: asserting its negation fails naming it. */',
    ...[...g.codes.keys()].map((name) => `${hidden}byte ${name} = 1;`),
    '',
    'active proctype world() {',
    'end_world:',
    '  do',
    ...options,
    '  od',
    '}',
    '',
  ];
  return { text: header.join('\n'), params, events, codes: g.codes, exploredStates: t.states };
}
