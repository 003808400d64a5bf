import { ROUTINE_MISUSES, WORLD_LIMITS, type RoutineMisuse, type WorldParamsInput } from '../../machines/index.js';
import { ANY_CALL, exploreWorld, formatWorldExploration, routineCode, worldTestPaths } from '../explore/world/index.js';
import { packageInfo } from '../package-info.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { EXIT } from './command.js';
import { memoryBound } from './memory-bound.js';
import { colors, print, progress, type Io } from './output.js';

/**
 * `auxbus explore --world`: exhaustive exploration of a composed world (K devices sharing one IDA,
 * drivers, injected faults), run by any call (misuse included) or by the documented routine with
 * one misuse swapped in; prints each violation reachable with its shortest path.
 */

/** The options of the world mode. */
export const WORLD_OPTIONS: readonly OptionSpec[] = [
  { name: 'world', type: 'boolean', description: 'explore a composed world exhaustively instead of routines' },
  { name: 'devices', type: 'string', valueName: 'K', integer: WORLD_LIMITS.devices, default: '2', description: '(--world) device slots' },
  { name: 'ids', type: 'string', valueName: 'M', integer: WORLD_LIMITS.idaIds, description: '(--world) ids in the IDA range (default: one per device)' },
  { name: 'drivers', type: 'string', valueName: 'LIST', description: "(--world) comma-separated probe results of the aux drivers, e.g. 'ok,fails'" },
  { name: 'ref-bound', type: 'string', valueName: 'N', integer: WORLD_LIMITS.refBound, default: '1', description: '(--world) most references the caller holds at once' },
  { name: 'faults', type: 'boolean', description: '(--world) inject every fault (kzalloc, ida_alloc, init, add, driver register)' },
  { name: 'release', type: 'string', values: ['frees-both', 'frees-container', 'frees-id', 'frees-nothing', 'missing'], valueName: 'WHAT', description: '(--world) what the release callback does: frees-both, frees-container, frees-id, frees-nothing, missing (default: what the --code misuse is defined with, else frees-both)' },
  {
    name: 'code',
    type: 'string',
    values: ['any', 'routine', ...Object.keys(ROUTINE_MISUSES)],
    valueName: 'CODE',
    default: 'any',
    description: `(--world) who makes the calls: any (any call, misuse included), routine (the documented one), or the routine with one misuse: ${Object.keys(ROUTINE_MISUSES).join(', ')}`,
  },
  { name: 'no-symmetry', type: 'boolean', description: '(--world) do not reduce by device symmetry' },
  {
    name: 'deferred-release',
    type: 'boolean',
    description: 'release callbacks wait after the last put (CONFIG_DEBUG_KOBJECT_RELEASE): a routine runs them at its end; --world explores every later step they may run at',
  },
  { name: 'max-states', type: 'string', valueName: 'N', integer: { min: 1, max: 2 ** 31 - 1 }, description: '(--world) stop after N states (default 100 million)' },
  { name: 'store', type: 'string', values: ['exact', 'compact'], valueName: 'KIND', description: '(--world) the visited set: exact (default; turns compact when --max-memory nears) or compact (hash compaction: 64-bit fingerprints, a small printed probability of missing a state)' },
  { name: 'paths', type: 'boolean', description: '(--world, with --json) add test paths covering every component transition reached' },
];

const RELEASE: Record<string, WorldParamsInput['release']> = {
  'frees-both': { present: true, freesContainer: true, freesId: true },
  'frees-container': { present: true, freesContainer: true, freesId: false },
  'frees-id': { present: true, freesContainer: false, freesId: true },
  'frees-nothing': { present: true, freesContainer: false, freesId: false },
  missing: { present: false },
};

/** The release callback asked for, or the one the --code misuse is defined with (a routine that frees the id itself pairs with a release that does not, ...). */
function releaseOf(args: ParsedArgs): WorldParamsInput['release'] {
  const asked = args.flags.release as string | undefined;
  if (asked !== undefined) return RELEASE[asked]!;
  const misuse = ROUTINE_MISUSES[args.flags.code as keyof typeof ROUTINE_MISUSES] as (typeof ROUTINE_MISUSES)[keyof typeof ROUTINE_MISUSES] | undefined;
  return misuse ? { present: true, freesContainer: misuse.releaseFreesContainer, freesId: misuse.releaseFreesId } : RELEASE['frees-both']!;
}

function worldParams(args: ParsedArgs): WorldParamsInput {
  const devices = args.flags.devices as number;
  const ids = (args.flags.ids as number | undefined) ?? Math.min(devices, WORLD_LIMITS.idaIds.max);
  const list = (args.flags.drivers as string | undefined)?.split(',').filter((s) => s !== '') ?? [];
  const drivers = list.map((probe) => ({ probe: probe as 'ok' | 'fails' }));
  return {
    devices,
    idaRange: { min: 0, max: ids - 1 },
    drivers,
    refBound: args.flags['ref-bound'] as number,
    faults: args.flags.faults === true,
    release: releaseOf(args),
    deferredRelease: args.flags['deferred-release'] === true,
  };
}

/** Runs the world mode; returns the exit code (0 no violation reachable, 1 violations, 4 a bound stopped it and nothing was found). */
export async function exploreWorldCommand(args: ParsedArgs, io: Io): Promise<number> {
  const params = worldParams(args); // bad values are ParameterErrors: exit 2 with the reason
  const maxMemory = memoryBound(args.flags['max-memory']);
  const choice = args.flags.code as string;
  const code = choice === 'any' ? ANY_CALL : routineCode(choice === 'routine' ? 'none' : (choice as RoutineMisuse));
  const p = progress(io, { log: true, quiet: args.flags.quiet === true });
  const x = exploreWorld(params, {
    symmetry: args.flags['no-symmetry'] !== true,
    ...(args.flags['max-states'] !== undefined ? { maxStates: args.flags['max-states'] as number } : {}),
    ...(maxMemory !== undefined ? { maxMemory } : {}),
    ...(args.flags.store !== undefined ? { store: args.flags.store as 'exact' | 'compact' } : {}),
    progressEvery: 100_000,
    onProgress: (s) => p.update(`${s.states} states, ${Math.round(s.states / s.seconds)} states/s, queue ${s.queue}, ${Math.round(s.memory / 2 ** 20)} MiB, ${s.store} store`),
  }, code);
  p.done();
  if (args.flags.json) {
    const { internals: _, ...data } = x;
    const out = { version: packageInfo().version, ...data, ...(args.flags.paths ? worldTestPaths(x) : {}) };
    print(io, JSON.stringify(out, null, 2));
  } else {
    const c = colors(io.stdout, io.env);
    print(io, formatWorldExploration(x).split('\n').map((l) => (l.startsWith('violation ') ? c.red(c.bold(l)) : l.startsWith('explore ') ? c.bold(l) : l)).join('\n'));
  }
  return x.violations.length > 0 ? EXIT.findings : x.complete ? EXIT.ok : EXIT.bound;
}
