import { createWorld, worldEventAlphabet, type WorldParamsInput } from '../machines/index.js';
import type { KernelMode } from '../src/index.js';
import { DevresPair } from './devres-differential.js';
import { applyOutcome, compareStep, RuntimeWorld, runtimeEvent } from './world-differential.js';

/**
 * `npm run soak [STEPS] [SEED]`: a long differential of the runtime against the machines (not
 * part of `npm test`). Random calls (correct ones, every misuse the world offers, injected
 * faults, drivers binding and unbinding, immediate and deferred release) go to the composed
 * world machines and to the runtime, in audit and in strict mode; devm devices (devres frees
 * the container at unbind) go to the device machine and the runtime. After every call they must
 * agree (bench/world-differential.ts, bench/devres-differential.ts). Prints the steps run and
 * every disagreement; exits 1 if there was one.
 */

const steps = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 20261207);
if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(seed) || seed < 1 || seed > 2 ** 31 - 1) {
  console.error('npm run soak [STEPS] [SEED]: STEPS an integer ≥ 1 (default 1000000), SEED an integer from 1 to 2^31 - 1');
  process.exit(2);
}

let state = seed;
/** xorshift32: the same seed gives the same run. */
function random(n: number): number {
  state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
  state = state >>> 0 || 1;
  return state % n;
}

const WORLDS: WorldParamsInput[] = [
  { devices: 3, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'fails' }, { probe: 'ok' }], refBound: 2, faults: true },
  { devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }], refBound: 2, faults: true, release: { freesId: false } },
  { devices: 2, idaRange: { min: 3, max: 4 }, drivers: [{ probe: 'ok' }], refBound: 1, faults: true, release: { present: false } },
  { devices: 2, idaRange: { min: 0, max: 0 }, drivers: [], refBound: 2, faults: false, release: { freesContainer: false, freesId: false } },
  { devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }], refBound: 2, faults: true, deferredRelease: true },
  { devices: 2, idaRange: { min: 0, max: 1 }, drivers: [], refBound: 2, faults: true, deferredRelease: true, release: { freesContainer: false } },
  { devices: 3, idaRange: { min: 0, max: 2 }, drivers: [{ probe: 'ok' }, { probe: 'fails' }, { probe: 'ok' }], refBound: 3, faults: true },
];

const MAX_CALLS = 80;
const tally = { steps: 0, runs: 0, world: { audit: 0, strict: 0 }, devres: { audit: 0, strict: 0 }, strictStops: 0, disagreements: 0 };
const codes = new Set<string>();
const shown: string[] = [];

function report(found: string[]): void {
  tally.disagreements += found.length;
  for (const d of found) if (shown.length < 20) shown.push(d);
}

function worldRun(world: ReturnType<typeof createWorld>, mode: KernelMode): void {
  let snapshot = world.getInitialSnapshot(undefined as never, undefined);
  const r = new RuntimeWorld(world, mode);
  for (let n = 0; n < MAX_CALLS && !snapshot.context.ended; n++) {
    const enabled = worldEventAlphabet(world.params, snapshot);
    // END (always the last call offered) closes about one run in fifty calls.
    const event = random(50) === 0 ? enabled[enabled.length - 1]! : enabled[random(enabled.length - 1)]!;
    const forRuntime = runtimeEvent(world, snapshot, event);
    const next = world.transition(snapshot, event, undefined as never);
    snapshot = next;
    tally.steps++;
    tally.world[mode]++;
    for (const f of next.findings) codes.add(f.code);
    const outcome = applyOutcome(r, forRuntime);
    if (outcome.threw !== undefined) {
      // Strict mode stops the code at the call's first violation: the model's first finding.
      const first = next.findings[0]?.code;
      if (outcome.threw !== first) report([`strict ${JSON.stringify(event)}: runtime threw ${outcome.threw}, model's first finding ${first ?? 'none'}`]);
      tally.strictStops++;
      return;
    }
    report(compareStep(next, r, event, outcome.returned));
  }
}

function devresRun(mode: KernelMode, hasRelease: boolean): void {
  const pair = new DevresPair(mode, hasRelease);
  for (let n = 0; n < MAX_CALLS && !pair.done; n++) {
    const calls = pair.calls();
    const call = random(50) === 0 ? 'END' : calls[random(calls.length - 1)]!;
    tally.steps++;
    tally.devres[mode]++;
    report(pair.apply(call));
    if (pair.done && mode === 'strict' && call !== 'END') tally.strictStops++;
  }
}

const worlds = WORLDS.map((p) => createWorld(p));
const started = Date.now();
let lastLine = started;
while (tally.steps < steps) {
  const mode: KernelMode = random(2) === 0 ? 'audit' : 'strict';
  // Four world runs for each devm run: the world has more to cover.
  if (random(5) === 0) devresRun(mode, random(2) === 0);
  else worldRun(worlds[random(worlds.length)]!, mode);
  tally.runs++;
  if (Date.now() - lastLine > 10_000) {
    lastLine = Date.now();
    process.stderr.write(`soak: ${tally.steps} steps, ${tally.disagreements} disagreements\n`);
  }
}
const seconds = (Date.now() - started) / 1000;
console.log(`soak: seed ${seed}, ${tally.steps} steps in ${tally.runs} runs, ${seconds.toFixed(1)} s (${Math.round(tally.steps / seconds)} steps/s)`);
console.log(`  world machines: ${tally.world.audit} steps audit, ${tally.world.strict} strict; devm devices: ${tally.devres.audit} audit, ${tally.devres.strict} strict; ${tally.strictStops} strict runs stopped at a violation`);
console.log(`  world violation codes reached: ${codes.size} (${[...codes].sort().join(', ')})`);
console.log(`  disagreements: ${tally.disagreements}`);
for (const d of shown) console.log(`    ${d}`);
process.exit(tally.disagreements === 0 ? 0 : 1);
