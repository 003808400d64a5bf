import { ROUTINE_MISUSES, VIOLATIONS, type RoutineMisuse, type WorldParamsInput } from '../../machines/index.js';
import { describeWorldEvent, exploreWorld, routineCode } from '../explore/world/index.js';

/** The world docs/runtime.md's misuse table is explored on. */
export const MISUSE_TABLE_WORLD: WorldParamsInput = { devices: 2, idaRange: { min: 0, max: 1 }, faults: true, drivers: [{ probe: 'ok' }] };

/**
 * docs/runtime.md's table of routine misuses, each explored on a two-device world with every fault:
 * the violation it reaches and its shortest path, as the explorer finds them now.
 * @example misuseTable().split('\n')[0] // '| routine | ...'
 */
export function misuseTable(): string {
  const rows = ['| code run by every device slot | reaches | shortest counterexample (the last call raises it) |', '|---|---|---|'];
  const documented = exploreWorld(MISUSE_TABLE_WORLD, {}, routineCode());
  rows.push(`| the documented routine (§2.2, §2.3) | ${documented.violations.length === 0 ? 'nothing' : documented.violations.map((v) => v.code).join(', ')} (${documented.states} states) | — |`);
  for (const [misuse, info] of Object.entries(ROUTINE_MISUSES)) {
    const x = exploreWorld({ ...MISUSE_TABLE_WORLD, release: { freesId: info.releaseFreesId, freesContainer: info.releaseFreesContainer } }, {}, routineCode(misuse as RoutineMisuse));
    const v = x.violations.find((c) => c.code === info.expect);
    const path = v ? v.path.map((e) => describeWorldEvent(e).replace(/^dev\d+: /, '')).join(' → ') : 'not reached';
    rows.push(`| \`${misuse}\`: ${info.summary}${info.releaseFreesId ? '' : ' (release does not free the id)'}${info.releaseFreesContainer ? '' : ' (release does not free the container)'} | \`${info.expect}\` (${VIOLATIONS[info.expect].bugClass}) | ${path} |`);
  }
  return rows.join('\n');
}
