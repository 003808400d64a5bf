import {
  DEVICE_EVENT_CALLS, DRIVER_EVENT_CALLS, IDA_EVENT_CALLS, MEMORY_EVENT_CALLS, VIOLATIONS, VIOLATION_CODES,
} from '../../machines/index.js';

/**
 * The model tables of docs/machines.md, generated from the machines' own tables (event → kernel call, the
 * violation table), so the documentation cannot drift from the model.
 */

/** The runtime call a driver author writes for each event (the runtime API, src/runtime). */
const RUNTIME_CALLS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  device: {
    INIT: '`adev.init()`',
    ADD: '`adev.add(modname)`',
    DELETE: '`adev.delete()`',
    UNINIT: '`adev.uninit()`',
    GET: '`adev.get()`',
    PUT: '`adev.put()`',
    KFREE: '`k.kfree(adev)`',
    DEVRES_FREE: '`parent.unbind()` frees a `k.devmKzallocDevice(parent)` container',
    READ: '`adev.id`, `adev.name`, `adev.parent`, `adev.field(f)` …',
    WRITE: '`adev.id = …`, `adev.name = …`, `adev.setField(f, v)` …',
    SET_RELEASE: '`adev.release = fn`',
    PROBE: 'the bus calls `probe(adev, id)`',
    UNBIND: 'the bus calls `remove(adev)`',
    RUN_RELEASE: 'inside the last put, or `k.runPendingReleases()` with `release: \'deferred\'`',
    RELEASED: 'your `release` returns',
    END: '`k.report()`',
  },
  ida: {
    ALLOC: '`ida.alloc()`, `ida.alloc({ min, max })`',
    FREE: '`ida.free(id)`, `ida.free(id, adev)`',
    CLAIM: '`adev.id = id`',
    DESTROY: '`ida.destroy()`',
    END: '`k.report()`',
  },
  driver: {
    REGISTER: '`drv.register(modname)`',
    UNREGISTER: '`drv.unregister()`',
  },
  memory: {
    KFREE: '`k.kfree(ptr)`',
    ACCESS: '`ptr.get(f)`, `ptr.set(f, v)`',
    END: '`k.report()`',
  },
};

const CALLS: ReadonlyArray<[string, Readonly<Record<string, string>>]> = [
  ['device', DEVICE_EVENT_CALLS],
  ['ida', IDA_EVENT_CALLS],
  ['driver', DRIVER_EVENT_CALLS],
  ['memory', MEMORY_EVENT_CALLS],
];

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

/**
 * Markdown: each kernel call, the machine event it is, and the runtime call that makes it.
 * @example kernelCallTable().split('\n')[0] // '| machine | event | kernel call | runtime |'
 */
export function kernelCallTable(): string {
  const rows = ['| machine | event | kernel call | runtime |', '|---|---|---|---|'];
  for (const [machine, calls] of CALLS) {
    for (const [event, call] of Object.entries(calls)) {
      rows.push(`| ${machine} | \`${event}\` | ${cell(call)} | ${RUNTIME_CALLS[machine]?.[event] ?? ''} |`);
    }
  }
  return rows.join('\n');
}

/**
 * Markdown: every violation code with its bug class, who judges it (a machine, or `auxbus check`
 * alone), when it fires, what a real kernel shows, and the fix.
 * @example violationTable().includes('double-delete') // true
 */
export function violationTable(): string {
  const rows = ['| code | class | judged by | when | what the kernel shows | fix | source |', '|---|---|---|---|---|---|---|'];
  for (const code of VIOLATION_CODES) {
    const v = VIOLATIONS[code];
    // A code no machine raises is judged by the checker on the C of a path (machine 'checker').
    const by = v.machine === 'checker' ? '`auxbus check`' : `the ${v.machine} machine`;
    rows.push(`| \`${code}\` | ${v.bugClass} | ${by} | ${cell(v.when)} | ${cell(v.kernelSymptom)} | ${cell(v.fix)} | ${cell(v.section)} |`);
  }
  return rows.join('\n');
}
