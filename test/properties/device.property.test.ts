/**
 * Properties of the device machine over random event sequences (kernel-auxbus.md §3.2, §3.6,
 * model.md §4.1, §4.2), stepped with XState's pure `transition` so each step's effects are data.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { deviceEventAlphabet, deviceMachine, refcount, type DeviceEvent } from '../../machines/index.js';
import { fcRuns } from './runs.js';

type Snap = SnapshotFrom<typeof deviceMachine>;

interface Step {
  before: Snap;
  event: DeviceEvent;
  after: Snap;
  /** Effect names, in order (violations and returns included). */
  effects: string[];
  violations: string[];
}

interface Run {
  start: Snap;
  steps: Step[];
}

function play(hasRelease: boolean, events: readonly DeviceEvent[], devm = false): Run {
  const [start] = initialTransition(deviceMachine, { hasRelease, devm });
  let state = start;
  const steps: Step[] = [];
  for (const event of events) {
    const [after, actions] = transition(deviceMachine, state, event);
    const acts = actions as Array<{ type: string; params?: { code?: string } }>;
    steps.push({
      before: state,
      event,
      after,
      effects: acts.map((a) => a.type),
      violations: acts.filter((a) => a.type === 'violation').map((a) => a.params!.code!),
    });
    state = after;
  }
  return { start, steps };
}

const ev = {
  INIT: { type: 'INIT', parent: true, name: true },
  ADD: { type: 'ADD', modname: true, nameTaken: false, fault: 'none' },
  DELETE: { type: 'DELETE' },
  UNINIT: { type: 'UNINIT' },
  GET: { type: 'GET' },
  PUT: { type: 'PUT' },
  KFREE: { type: 'KFREE' },
  RELEASED: { type: 'RELEASED' },
  RUN_RELEASE: { type: 'RUN_RELEASE' },
  END: { type: 'END' },
  READ: { type: 'READ', field: 'id' },
} as const satisfies Record<string, DeviceEvent>;

/**
 * A random prefix of the documented protocol (so that random suffixes start from deep states:
 * added, bound, deleted, releasing, dead), then any events of the alphabet.
 */
const protocolPrefix: DeviceEvent[] = [
  ev.INIT, ev.GET, ev.ADD, { type: 'PROBE', result: 0 }, ev.PUT, ev.DELETE, ev.UNINIT, ev.RUN_RELEASE, ev.RELEASED,
];
/** The same protocol with the container freed after the last put, before the release ran (B18). */
const earlyFreePrefix: DeviceEvent[] = [...protocolPrefix.slice(0, -2), ev.KFREE, ev.RUN_RELEASE, ev.READ];
/** The release callback reading its device (§2.3) before it returns. */
const releaseReadsPrefix: DeviceEvent[] = [...protocolPrefix.slice(0, -1), ev.READ];
const anyEvent = fc.constantFrom(...deviceEventAlphabet);
const sequences = fc.record({
  hasRelease: fc.boolean(),
  // A devm_kzalloc()ed container (devres owns it); devres frees nothing else, so a kzalloc()ed
  // container's sequences have no DEVRES_FREE.
  devm: fc.boolean(),
  events: fc
    .tuple(fc.constantFrom(protocolPrefix, earlyFreePrefix, releaseReadsPrefix), fc.nat({ max: protocolPrefix.length + 1 }), fc.array(anyEvent, { maxLength: 30 }))
    .map(([prefix, n, tail]) => [...prefix.slice(0, n), ...tail]),
}).map(({ hasRelease, devm, events }) => ({ hasRelease, devm, events: devm ? events : events.filter((e) => e.type !== 'DEVRES_FREE') }));

const RUNS = fcRuns(800);

/** Collects what the random runs reached, so a property cannot pass by never getting anywhere. */
function reached() {
  const seen = new Set<string>();
  return {
    note: (run: Run) => {
      for (const s of run.steps) {
        seen.add(JSON.stringify(s.after.value));
        for (const v of s.violations) seen.add(v);
      }
    },
    has: (what: string) => [...seen].some((s) => s.includes(what)),
  };
}

describe('device machine properties (fast-check, pure transition)', () => {
  it('§3.2: refs, busRefs and the refcount never go below 0; an unviolated put/uninit drops the count by exactly 1, an unviolated get raises it by 1', () => {
    const cov = reached();
    fc.assert(
      fc.property(sequences, ({ hasRelease, devm, events }) => {
        const run = play(hasRelease, events, devm);
        cov.note(run);
        for (const s of run.steps) {
          const c = s.after.context;
          expect(c.refs).toBeGreaterThanOrEqual(0);
          expect(c.busRefs).toBeGreaterThanOrEqual(0);
          expect(refcount(c)).toBeGreaterThanOrEqual(0);
          // A violating step, or a call on a device whose count already reached 0 (model.md §4.1: a
          // release running on a container freed before it, dead.lateRelease, reports nothing itself).
          if (s.violations.length > 0 || s.before.hasTag('dead')) continue;
          if (s.event.type === 'PUT' || s.event.type === 'UNINIT') {
            expect(refcount(c)).toBe(refcount(s.before.context) - 1);
          }
          if (s.event.type === 'GET') expect(refcount(c)).toBe(refcount(s.before.context) + 1);
        }
      }),
      RUNS,
    );
    expect(cov.has('added')).toBe(true);
    expect(cov.has('deleted')).toBe(true);
    expect(cov.has('uninit-without-delete')).toBe(true);
  });

  it('§3.2, §3.6, model.md §4.6: the release is scheduled at most once, at the step that drops the refcount to 0, and runs at most once, when the cleanup runs it', () => {
    let releases = 0;
    fc.assert(
      fc.property(sequences, ({ hasRelease, devm, events }) => {
        const run = play(hasRelease, events, devm);
        const scheduled = run.steps.filter((s) => s.effects.includes('scheduleRelease'));
        expect(scheduled.length).toBeLessThanOrEqual(1);
        for (const s of scheduled) {
          expect(s.after.context.hasRelease).toBe(true);
          expect(refcount(s.before.context)).toBeGreaterThan(0);
          expect(refcount(s.after.context)).toBe(0);
          expect(s.after.hasTag('releasePending')).toBe(true);
        }
        const ran = run.steps.filter((s) => s.effects.includes('runRelease'));
        expect(ran.length).toBeLessThanOrEqual(1);
        for (const s of ran) {
          releases++;
          expect(s.event.type).toBe('RUN_RELEASE');
          expect(s.before.hasTag('releasePending')).toBe(true);
          expect(scheduled).toHaveLength(1);
          expect(run.steps.indexOf(s)).toBeGreaterThan(run.steps.indexOf(scheduled[0]!));
        }
      }),
      RUNS,
    );
    expect(releases).toBeGreaterThan(0);
  });

  it('model.md §4.1 / B11, §4.6 / B18: once the count reached 0 the device never comes back; every call is use-after-release, a free outside the release is B18 or B4', () => {
    const uaf = new Set(['INIT', 'ADD', 'DELETE', 'UNINIT', 'GET', 'PUT', 'READ', 'WRITE', 'SET_RELEASE']);
    /** The release callback may read and write the device it releases (§2.3). */
    const releaseReads = new Set(['READ', 'WRITE', 'SET_RELEASE']);
    const gone = (x: Snap) => x.hasTag('dead') || x.matches({ live: 'releasing' });
    const seen = new Set<string>();
    fc.assert(
      fc.property(sequences, ({ hasRelease, devm, events }) => {
        const run = play(hasRelease, events, devm);
        const first = run.steps.findIndex((s) => gone(s.after));
        if (first < 0) return;
        for (const s of run.steps.slice(first + 1)) {
          const b = s.before;
          expect(gone(b)).toBe(true);
          expect(gone(s.after)).toBe(true);
          const t = s.event.type;
          seen.add(`${JSON.stringify(b.value)} ${t}`);
          const late = b.matches({ dead: 'lateRelease' });
          if (uaf.has(t)) {
            // A release running on a container freed before it: its accesses are the KASAN report
            // of that earlier free, reported once (model.md §4.3).
            const allowed = late || (b.matches({ live: 'releasing' }) && releaseReads.has(t));
            expect(s.violations).toEqual(allowed ? [] : ['use-after-release']);
          } else if (t === 'KFREE' && devm && !b.hasTag('freed')) {
            // §5 B4: a kfree() of devm memory frees nothing (KASAN: invalid-free).
            expect(s.violations).toEqual(['double-free']);
            expect(s.after.value).toEqual(b.value);
          } else if (t === 'DEVRES_FREE' && b.hasTag('freed')) {
            // devres frees an entry once: from a freed state only a release's devm_kfree() comes,
            // which is the earlier free's B18 where that release runs late, and nothing elsewhere.
            expect(s.violations).toEqual(late ? ['free-outside-release'] : []);
          } else if (t === 'KFREE' || t === 'DEVRES_FREE') {
            if (b.matches({ live: 'releasing' })) {
              // Inside the release callback the release's own kfree or devm_kfree frees the container (model.md §4.6).
              expect(s.violations).toEqual([]);
            } else if (b.matches({ dead: 'pending' })) {
              expect(s.violations).toEqual([]); // judged when the release runs
              expect(s.after.matches({ dead: 'orphaned' })).toBe(true);
            } else if (b.matches({ dead: 'released' })) {
              expect(s.violations).toEqual(b.context.hasRelease ? ['free-outside-release'] : []);
              expect(s.after.hasTag('freed')).toBe(true);
            } else {
              // A devm container devres freed before its release ran, kfree()d by that release: both root causes.
              expect(s.violations).toEqual(devm && late ? ['double-free', 'free-outside-release'] : ['double-free']);
            }
          } else if (t === 'RELEASED') {
            expect(s.violations).toEqual(late ? ['free-outside-release'] : []);
          } else if (t === 'RUN_RELEASE') {
            expect(s.violations).toEqual([]);
            expect(s.effects.includes('runRelease')).toBe(b.hasTag('releasePending'));
          } else if (t === 'END') {
            // The end check may still find the container of a released device leaked (§4.3).
            for (const v of s.violations) expect(v).toBe('memory-leak');
          } else {
            // PROBE / UNBIND come from the bus, never to a device whose count is 0.
            expect(s.violations).toEqual([]);
          }
        }
      }),
      {
        ...RUNS,
        // Each place the check below asks about, reached by a run of its own whatever the seed.
        examples: [
          [{ hasRelease: true, devm: false, events: [...protocolPrefix.slice(0, 7), ev.KFREE] }],
          [{ hasRelease: true, devm: false, events: [...protocolPrefix, ev.KFREE, ev.KFREE] }],
          [{ hasRelease: true, devm: false, events: [...earlyFreePrefix, ev.RELEASED] }],
          [{ hasRelease: true, devm: false, events: releaseReadsPrefix }],
          [{ hasRelease: true, devm: true, events: [...protocolPrefix.slice(0, 7), ev.KFREE] }],
        ],
      },
    );
    for (const where of ['"pending"} KFREE', '"released"} KFREE', '"lateRelease"} RELEASED', '"lateRelease"} READ', '"freed"} KFREE', '"releasing"} READ']) {
      expect([...seen].some((x) => x.includes(where)), where).toBe(true);
    }
  });

  it('model.md §4.2, §4.3: a violating step changes only what the kernel really changes (a put on an added device; kfree after init; the WARN-ing final put of B12) and flags the device only then', () => {
    const cov = reached();
    let refused = 0;
    fc.assert(
      fc.property(sequences, ({ hasRelease, devm, events }) => {
        const run = play(hasRelease, events, devm);
        cov.note(run);
        for (const s of run.steps) {
          if (s.violations.length === 0) continue;
          const b = s.before;
          const a = s.after;
          // §4.3 (revised): only a violation that changed the device flags it; END flags what it reports.
          const changed = JSON.stringify([a.value, { ...a.context, flagged: false }]) !== JSON.stringify([b.value, { ...b.context, flagged: false }]);
          if (changed || s.event.type === 'END') expect(a.context.flagged).toBe(true);
          if (s.violations.includes('missing-release')) {
            // B12 (§3.6): the put itself is legal: the count reaches 0 and device_release runs, only
            // without a callback. So the step is the same put with a callback, minus the callback
            // (and with whatever else that put is: B6 for the bus's last reference, B11 for a delete
            // after it, §3.9).
            const withRelease = deviceMachine.resolveState({
              value: b.value,
              context: { ...b.context, hasRelease: true },
            });
            const [alt, altActions] = transition(deviceMachine, withRelease, s.event);
            const altViolations = (altActions as Array<{ type: string; params?: { code?: string } }>).filter((x) => x.type === 'violation').map((x) => x.params!.code);
            expect(s.violations).toEqual(['missing-release', ...altViolations]);
            expect((altActions as Array<{ type: string }>).map((x) => x.type)).toContain('scheduleRelease');
            expect(s.effects).not.toContain('scheduleRelease');
            expect(alt.matches({ dead: 'pending' })).toBe(true);
            expect(a.matches({ dead: 'released' })).toBe(true);
            expect(a.context).toEqual({ ...alt.context, hasRelease: false, flagged: true });
          } else if (s.violations.includes('free-after-init')) {
            // B1 (§3.7): kfree really frees the memory; the device is dead and its release never runs.
            expect(s.event.type).toBe('KFREE');
            expect(b.hasTag('refcounted')).toBe(true);
            expect(a.matches({ dead: 'freed' })).toBe(true);
            expect(a.context).toEqual({ ...b.context, flagged: true });
          } else if (s.violations.includes('free-outside-release') || (s.violations.includes('double-free') && b.matches({ dead: 'lateRelease' }))) {
            // B18 / B4 (model.md §4.6): the memory really is freed; nothing else changes.
            expect(s.violations).toHaveLength(1);
            expect(a.matches({ dead: 'freed' })).toBe(true);
            expect(a.context).toEqual({ ...b.context, flagged: true });
          } else if (s.violations.includes('uninit-without-delete')) {
            // B6: a put without delete drops one of the caller's references; once they are gone,
            // one of the bus's (§3.9); the last of those runs the release, the device still on the bus.
            expect(['PUT', 'UNINIT']).toContain(s.event.type);
            expect(b.hasTag('onBus')).toBe(true);
            const own = b.context.refs > 0;
            const last = !own && b.context.busRefs === 1;
            if (last) expect(a.matches({ dead: 'pending' })).toBe(true);
            else expect(a.value).toEqual(b.value);
            expect(a.context).toEqual({
              ...b.context,
              refs: own ? b.context.refs - 1 : 0,
              busRefs: own ? b.context.busRefs : b.context.busRefs - 1,
              put: true,
              flagged: true,
            });
          } else if (s.violations.includes('use-after-release') && s.event.type === 'DELETE' && b.hasTag('onBus')) {
            // §3.9, B6 → B11: a delete after the caller's own references are gone: device_del drops
            // the bus's last ones and the release is scheduled; the device leaves the bus.
            expect(b.context.refs).toBe(0);
            expect(s.effects).toContain('scheduleRelease');
            expect(a.matches({ dead: 'pending' })).toBe(true);
            expect(a.context).toEqual({ ...b.context, busRefs: 0, flagged: true });
          } else if (s.event.type === 'END') {
            expect(a.value).toEqual(b.value);
            expect(a.context).toEqual({ ...b.context, flagged: true });
          } else {
            // A refused call (or one on memory already gone) changes nothing, not even the flag:
            // it excuses nothing at the end (model.md §4.3).
            expect(a.value).toEqual(b.value);
            expect(a.context).toEqual(b.context);
            refused++;
          }
        }
      }),
      RUNS,
    );
    expect(refused).toBeGreaterThan(0);
    for (const code of ['missing-release', 'free-after-init', 'free-outside-release', 'uninit-without-delete', 'double-init', 'use-after-release']) {
      expect(cov.has(code)).toBe(true);
    }
  });

  /** Balanced get/put pairs, possibly nested: GET GET PUT PUT, GET PUT GET PUT, … */
  const balanced = fc
    .array(fc.constantFrom<'open' | 'close'>('open', 'close'), { maxLength: 8 })
    .map((moves) => {
      const out: DeviceEvent[] = [];
      let open = 0;
      for (const m of moves) {
        if (m === 'open') {
          out.push(ev.GET);
          open++;
        } else if (open > 0) {
          out.push(ev.PUT);
          open--;
        }
      }
      for (; open > 0; open--) out.push(ev.PUT);
      return out;
    });
  /** What may happen while the device is added: balanced pairs, field reads, probe outcomes, a driver unbinding. */
  const whileAdded = fc
    .array(
      fc.oneof(
        balanced,
        fc.constant<DeviceEvent[]>([ev.READ]),
        fc.constantFrom<DeviceEvent[]>([{ type: 'PROBE', result: 0 }], [{ type: 'PROBE', result: -12 }], [{ type: 'UNBIND' }]),
      ),
      { maxLength: 4 },
    )
    .map((chunks) => chunks.flat());

  it('§2.2, model.md §4.6: the documented protocol never raises a violation and ends in exactly one release; only a release that frees the container ends clean', () => {
    const protocol = fc.record({
      afterInit: balanced,
      whileAdded,
      afterDelete: balanced,
      /** §2.3: another holder keeps a reference across delete + uninit and drops it last. */
      heldAcross: fc.boolean(),
      /** Who frees the container: the release callback, or the caller after or before the release ran. */
      freer: fc.constantFrom('release', 'caller-after-release', 'caller-before-release'),
    });
    fc.assert(
      fc.property(protocol, (p) => {
        const events: DeviceEvent[] = [
          ev.INIT,
          ...p.afterInit,
          ev.ADD,
          ...p.whileAdded,
          ...(p.heldAcross ? [ev.GET] : []),
          ev.DELETE,
          ...p.afterDelete,
          ev.UNINIT,
          ...(p.heldAcross ? [ev.PUT] : []),
        ];
        const run = play(true, events);
        expect(run.steps.flatMap((s) => s.violations)).toEqual([]);
        expect(run.steps.map((s) => s.effects).flat().filter((e) => e === 'scheduleRelease')).toHaveLength(1);
        const last = run.steps[run.steps.length - 1]!;
        // The release is scheduled at the very last put, not before (§3.2: the count reaches 0 there).
        expect(last.effects).toContain('scheduleRelease');
        expect(last.after.matches({ dead: 'pending' })).toBe(true);
        const tail: DeviceEvent[] = {
          release: [ev.RUN_RELEASE, ev.KFREE, ev.RELEASED, ev.END],
          'caller-after-release': [ev.RUN_RELEASE, ev.RELEASED, ev.KFREE, ev.END],
          'caller-before-release': [ev.KFREE, ev.RUN_RELEASE, ev.RELEASED, ev.END],
        }[p.freer];
        const after = play(true, [...events, ...tail]);
        expect(after.steps.flatMap((s) => s.violations)).toEqual(p.freer === 'release' ? [] : ['free-outside-release']);
        expect(after.steps.map((s) => s.effects).flat().filter((e) => e === 'runRelease')).toHaveLength(1);
        const final = after.steps[after.steps.length - 1]!.after;
        expect(final.hasTag('dead')).toBe(true);
        expect(final.hasTag('freed')).toBe(true);
      }),
      fcRuns(600),
    );
  });
});
