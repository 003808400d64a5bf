import { ParameterError, requireObject, VIOLATIONS, type WorldEvent, type WorldParams } from '../../../machines/index.js';
import type { WorldExploration } from './explore.js';
import { requireExploration } from './paths.js';

const ADD_FAULT_TEXT: Record<string, string> = {
  none: '',
  'name-nomem': ' with dev_set_name() failing (-ENOMEM)',
  'device-add-nomem': ' with device_add() failing (-ENOMEM)',
  'bind-nomem': ' with the driver core failing to bind the first driver (swallowed: returns 0, unbound)',
};
const REGISTER_FAULT_TEXT: Record<string, string> = {
  none: '',
  'register-nomem': ' failing (-ENOMEM)',
  'name-nomem': ' failing to allocate its name (-ENOMEM)',
  'bind-nomem': ' with the driver core failing to bind the first waiting device (swallowed: returns 0)',
};

/**
 * A world event as the kernel call a parent driver makes, with the injected fault if any.
 * @example describeWorldEvent({ type: 'ADD', dev: 1, fault: 'name-nomem' }) // 'dev1: auxiliary_device_add() with dev_set_name() failing (-ENOMEM)'
 */
export function describeWorldEvent(e: WorldEvent): string {
  requireObject('event', e, 'a world event such as { type: "ADD", dev: 0, fault: "none" }');
  switch (e.type) {
    case 'KZALLOC': return `dev${e.dev}: kzalloc()${e.fail ? ' failing (NULL)' : ''}`;
    case 'IDA_ALLOC': return `dev${e.dev}: ida_alloc_range()${e.fail ? ' failing (-ENOMEM)' : ''}`;
    case 'IDA_FREE': return `dev${e.dev}: ida_free(${e.via === 'field' ? 'adev->id' : 'saved id'})`;
    case 'INIT': return `dev${e.dev}: auxiliary_device_init()${e.ok ? '' : ' with a NULL parent (-EINVAL)'}`;
    case 'ADD': return `dev${e.dev}: auxiliary_device_add()${ADD_FAULT_TEXT[e.fault] ?? ''}`;
    case 'DELETE': return `dev${e.dev}: auxiliary_device_delete()`;
    case 'UNINIT': return `dev${e.dev}: auxiliary_device_uninit()`;
    case 'GET': return `dev${e.dev}: get_device()`;
    case 'PUT': return `dev${e.dev}: put_device()`;
    case 'KFREE': return `dev${e.dev}: kfree(container)`;
    case 'READ_ID': return `dev${e.dev}: read adev->id`;
    case 'RELEASE': return `dev${e.dev}: the kernel's delayed cleanup runs the release callback`;
    case 'DRV_REGISTER': return `drv${e.drv}: auxiliary_driver_register()${REGISTER_FAULT_TEXT[e.fault] ?? ''}`;
    case 'DRV_UNREGISTER': return `drv${e.drv}: auxiliary_driver_unregister()`;
    case 'END': return 'end of the scenario (what kmemleak would find)';
    case 'KZALLOC_DEVM': return `dev${e.dev}: devm_kzalloc() on the parent`;
    case 'DEVRES_FREE': return `dev${e.dev}: devres frees the container (devm_kfree())`;
    case 'INIT_NULL_NAME': return `dev${e.dev}: auxiliary_device_init() with a NULL name (-EINVAL)`;
    case 'ADD_NULL_MODNAME': return `dev${e.dev}: __auxiliary_device_add() with a NULL modname (-EINVAL)`;
    case 'WRITE_ID': return `dev${e.dev}: write adev->id`;
    case 'SET_RELEASE': return `dev${e.dev}: adev->dev.release = ${e.present ? 'the release callback' : 'NULL'}`;
    case 'IDA_FREE_NEGATIVE': return 'ida_free(-1)';
    case 'IDA_ALLOC_EMPTY_RANGE': return `dev${e.dev}: ida_alloc_range(max + 1, max)`;
    case 'IDA_DESTROY': return 'ida_destroy()';
    case 'DRV_REGISTER_INCOMPLETE': return `drv${e.drv}: auxiliary_driver_register() with no ${e.missing}`;
    case 'DRV_REGISTER_AS': return `drv${e.drv}: auxiliary_driver_register() under drv${e.as}'s name`;
    default: throw new ParameterError('event.type', (e as { type?: unknown }).type, 'a world event type (KZALLOC, IDA_ALLOC, IDA_FREE, INIT, ADD, DELETE, UNINIT, GET, PUT, KFREE, READ_ID, RELEASE, DRV_REGISTER, DRV_UNREGISTER, END, or an extra call such as INIT_NULL_NAME)');
  }
}

/** The world's parameters in one line. */
export function describeWorld(p: WorldParams): string {
  requireObject('describeWorld(params)', p, 'resolved world params (resolveWorldParams)');
  if (!Array.isArray(p.drivers) || typeof p.release !== 'object' || p.release === null) throw new ParameterError('describeWorld(params)', p, 'resolved world params (resolveWorldParams)');
  const drivers = p.drivers.length ? `, drivers [${p.drivers.map((d) => d.probe).join(', ')}]` : '';
  const r = p.release;
  const release = r.present ? `release frees ${[r.freesContainer && 'container', r.freesId && 'id'].filter(Boolean).join(' + ') || 'nothing'}` : 'no release callback';
  return `${p.devices} device(s), ids [${p.idaRange.min}, ${p.idaRange.max}]${drivers}, refBound ${p.refBound}, ${release}${p.faults ? ', every fault injected' : ''}${p.deferredRelease ? ', release deferred (any timing)' : ''}`;
}

/**
 * A readable report of a world exploration: the model, how much was explored, and each violation
 * reached with its shortest path, the kernel's symptom and the fix.
 * @example formatWorldExploration(exploreWorld({ devices: 2 }, {}, routineCode('double-delete')))
 */
export function formatWorldExploration(x: WorldExploration): string {
  requireExploration(x);
  const out = [
    `explore world: ${describeWorld(x.params)}`,
    `  code: ${x.code}`,
    `  ${x.states} states${x.symmetry ? ' (up to device symmetry)' : ''}, ${x.transitions} transitions, ${x.seconds.toFixed(2)} s`,
  ];
  if (x.compactedAt !== null) {
    out.push(`  visited set: hash compaction (64-bit fingerprints) ${x.compactedAt === 0 ? 'from the start' : `from state ${x.compactedAt}, as the memory bound neared`}; probability that a state was missed: ${x.missProbability.toPrecision(2)}`);
  }
  if (!x.complete) {
    const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
    const why = x.stoppedBy === 'max-memory' ? `stopped at the memory bound (${mib(x.maxMemory)}; peak resident set ${mib(x.peakRss)})` : 'stopped at maxStates (the store is full)';
    out.push(`  INCOMPLETE: ${why}: ${x.states} states found, ${x.expanded} expanded, the largest queue ${x.largestQueue} states; what follows covers what was explored`);
  }
  if (x.violations.length === 0) {
    out.push(`  no violation reachable${x.cleanEnds > 0 ? '; the scenario can end clean' : ''}`);
    return out.join('\n');
  }
  for (const v of x.violations) {
    const info = VIOLATIONS[v.code];
    out.push('', `violation ${v.code} (${info.bugClass}) reached in ${v.path.length} steps:`);
    v.path.forEach((e, i) => out.push(`  ${String(i + 1).padStart(3)}. ${describeWorldEvent(e)}${i === v.path.length - 1 ? '   <- here' : ''}`));
    out.push(`  kernel: ${info.kernelSymptom}`, `  fix: ${info.fix}`);
  }
  return out.join('\n');
}
