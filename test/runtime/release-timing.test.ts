/**
 * Release timing (model.md §4.6, kernel-auxbus.md §3.2, §3.9, §5 B18): the runtime runs a release
 * callback inside the last put (`immediate`, the default) or later (`deferred`, as
 * CONFIG_DEBUG_KOBJECT_RELEASE or another holder makes it); a devm_kzalloc()ed container is freed
 * by devres at the parent's unbind. The verdicts must not depend on the timing.
 */
import { describe, expect, it } from 'vitest';
import { createTestModel } from 'xstate/graph';
import { deviceMachine, type DeviceEvent } from '../../machines/index.js';
import { deviceTraversal } from '../../src/paths/traversal.js';
import { Kernel, ParameterError, ViolationError, type AuxDevice, type ReleaseTiming } from '../../src/index.js';

/** What a release callback does, as drivers write them. */
const RELEASES = {
  'frees the container': (k: Kernel) => (d: AuxDevice) => k.kfree(d),
  'reads its id, then frees the container': (k: Kernel) => (d: AuxDevice) => { void d.id; k.kfree(d); },
  'frees nothing': () => () => {},
  none: () => null,
} satisfies Record<string, (k: Kernel) => ((d: AuxDevice) => void) | null>;

/**
 * Runs the caller's calls of a device path on a kernel with the given timing and returns every code
 * reported, end check included. Events the kernel makes itself (the cleanup running the release,
 * the release returning) are left to the kernel; a bus probe or unbind is delivered as the bus would.
 */
function verdict(events: readonly DeviceEvent[], timing: ReleaseTiming, release: keyof typeof RELEASES, runEarly = false, devm = false): string[] {
  const k = new Kernel({ release: timing });
  const parent = k.parentDevice('pci0');
  const adev = (devm ? k.devmKzallocDevice(parent, 'replayed') : k.kzallocDevice('replayed'))!;
  adev.fill({ name: 'foo', parent });
  const cb = RELEASES[release](k);
  if (cb) adev.release = cb;
  for (const e of events) {
    switch (e.type) {
      case 'INIT':
        adev.fill({ parent: e.parent ? parent : null, name: e.name ? 'foo' : null });
        adev.init();
        adev.fill({ parent, name: 'foo' });
        break;
      case 'ADD': {
        const site = e.fault === 'name-nomem' ? 'dev_set_name' : e.fault === 'device-add-nomem' ? 'device_add' : undefined;
        if (site) k.faults.failSite(site);
        adev.add(e.modname ? 'mymod' : null);
        if (site) k.faults.failSite(site, 0);
        break;
      }
      case 'DELETE': adev.delete(); break;
      case 'UNINIT': adev.uninit(); break;
      case 'GET': adev.get(); break;
      case 'PUT': adev.put(); break;
      case 'KFREE': k.kfree(adev); break;
      case 'DEVRES_FREE': parent.devmKfree(adev); break;
      case 'READ': void adev.id; break;
      case 'WRITE': adev.setField('priv', 1); break;
      case 'SET_RELEASE': adev.release = e.present ? RELEASES['frees the container'](k) : null; break;
      case 'PROBE': case 'UNBIND': adev.send(e); break;
      default: break; // RUN_RELEASE, RELEASED, END: the kernel's own
    }
    if (runEarly) k.runPendingReleases();
  }
  const r = k.report();
  return [...r.violations, ...r.leaks].map((f) => f.code).sort();
}

describe('release timing: the same verdict in both modes (model.md §4.6)', () => {
  // Every transition-keyed path of the device machine, of a kzalloc()ed and of a devm_kzalloc()ed
  // container: each reaches some transition, many a violation. devres frees only devm memory.
  const callerPaths = [false, true].flatMap((devm) => {
    const paths = createTestModel(deviceMachine, {
      ...deviceTraversal({ refBound: 2, devm }),
      serializeTransition: (_s, event, prev) => (event ? ` via ${JSON.stringify(event)} from ${JSON.stringify([prev?.value, prev?.context])}` : ''),
    }).getShortestPaths();
    return [...new Set(paths.map((p) => JSON.stringify(
      p.steps.slice(1).map((s) => s.event).filter((e) => !['RUN_RELEASE', 'RELEASED', 'END'].includes(e.type)),
    )))].map((j) => ({ devm, events: JSON.parse(j) as DeviceEvent[] })).filter((p) => devm || !p.events.some((e) => e.type === 'DEVRES_FREE'));
  });

  it.each(Object.keys(RELEASES) as Array<keyof typeof RELEASES>)('every generated path, release callback that %s: immediate, deferred to the end, and run after each call agree', (release) => {
    let withFindings = 0;
    const codes = new Set<string>();
    for (const { events, devm } of callerPaths) {
      const now = verdict(events, 'immediate', release, false, devm);
      expect(verdict(events, 'deferred', release, false, devm), JSON.stringify(events)).toEqual(now);
      expect(verdict(events, 'deferred', release, true, devm), JSON.stringify(events)).toEqual(now);
      if (now.length > 0) withFindings++;
      for (const c of now) codes.add(c);
    }
    expect(callerPaths.length).toBeGreaterThan(500);
    expect(withFindings).toBeGreaterThan(callerPaths.length / 2);
    if (release === 'frees nothing') expect(codes).toContain('free-outside-release');
    if (release === 'frees the container') expect(codes).toContain('double-free');
  });
});

/** A device filled in as step 1 of the documented registration does it. */
function filled(k: Kernel, adev: AuxDevice, release: ((d: AuxDevice) => void) | null) {
  adev.name = 'foo';
  adev.parent = k.parentDevice('pci0');
  adev.release = release;
  return adev;
}

describe('deferred release in the runtime (§3.2, §3.9)', () => {
  it('§3.9: after the last uninit the release has not run; runPendingReleases runs it once, and the end check would too', () => {
    const k = new Kernel({ release: 'deferred' });
    const adev = filled(k, k.kzallocDevice()!, (d) => k.kfree(d));
    expect(adev.init()).toBe(0);
    expect(adev.add('mymod')).toBe(0);
    adev.delete();
    adev.uninit();
    expect(adev.releaseCalls).toBe(0);
    expect(adev.refcount).toBe(0);
    expect(adev.hasTag('releasePending')).toBe(true);
    expect(k.pendingReleases).toEqual([adev]);
    // model.md §4.1: dead from the last put: reading it now is a use after release.
    void adev.id;
    expect(k.violations.map((f) => f.code)).toEqual(['use-after-release']);
    expect(k.runPendingReleases()).toBe(1);
    expect(adev.releaseCalls).toBe(1);
    expect(adev.hasTag('freed')).toBe(true);
    expect(k.runPendingReleases()).toBe(0);
  });

  it('§3.9: the end check lets pending releases run first, so a correct driver is clean without calling runPendingReleases', () => {
    const k = new Kernel({ release: 'deferred' });
    const adev = filled(k, k.kzallocDevice()!, (d) => k.kfree(d));
    adev.init();
    adev.uninit();
    expect(k.report().clean).toBe(true);
    expect(adev.releaseCalls).toBe(1);
  });

  it('B18: an empty release and a kfree after the last uninit: found at the kfree (immediate) or when the delayed cleanup runs (deferred)', () => {
    for (const timing of ['immediate', 'deferred'] as const) {
      const k = new Kernel({ release: timing, trace: true });
      const adev = filled(k, k.kzallocDevice()!, () => {});
      adev.init();
      adev.uninit();
      k.kfree(adev);
      const r = k.report();
      expect(r.violations.map((f) => f.code), timing).toEqual(['free-outside-release']);
      expect(r.violations[0]!.call, timing).toMatch(timing === 'immediate' ? /kfree\(\)$/ : /kobject_cleanup \(delayed\)\(\)$/);
      expect(r.leaks).toEqual([]);
    }
  });

  it('the order of several pending releases is the kernel\'s (releaseSeed), not the caller\'s; each runs exactly once', () => {
    const orders = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const k = new Kernel({ release: 'deferred', releaseSeed: seed });
      const ran: string[] = [];
      const devs = ['a', 'b', 'c'].map((n) => filled(k, k.kzallocDevice(n)!, (d) => { ran.push(d.label); k.kfree(d); }));
      for (const d of devs) {
        d.init();
        d.uninit();
      }
      expect(k.runPendingReleases()).toBe(3);
      expect([...ran].sort()).toEqual(['a', 'b', 'c']);
      orders.add(ran.join());
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('runPendingReleases(adev) runs only that device\'s release, as another holder\'s last put would', () => {
    const k = new Kernel({ release: 'deferred' });
    const [a, b] = ['a', 'b'].map((n) => filled(k, k.kzallocDevice(n)!, (d) => k.kfree(d)));
    for (const d of [a!, b!]) {
      d.init();
      d.uninit();
    }
    expect(k.runPendingReleases(b)).toBe(1);
    expect([a!.releaseCalls, b!.releaseCalls]).toEqual([0, 1]);
    expect(k.runPendingReleases(b)).toBe(0);
    expect(k.pendingReleases).toEqual([a]);
  });

  it('strict mode: a violation found when a delayed release runs throws there', () => {
    const k = new Kernel({ mode: 'strict', release: 'deferred' });
    const adev = filled(k, k.kzallocDevice()!, () => {});
    adev.init();
    adev.uninit();
    k.kfree(adev);
    expect(() => k.runPendingReleases()).toThrow(ViolationError);
  });

  it('a write of dev.release after the last put is a use after release and changes nothing: the release chosen at the put runs (model.md §4.2)', () => {
    const k = new Kernel({ release: 'deferred' });
    const ran: string[] = [];
    const adev = filled(k, k.kzallocDevice()!, (d) => { ran.push('first'); k.kfree(d); });
    adev.init();
    adev.uninit();
    adev.release = null;
    k.runPendingReleases();
    expect(ran).toEqual(['first']);
    expect(k.report().violations.map((f) => f.code)).toEqual(['use-after-release']);
  });

  it('bad options are ParameterErrors naming the option', () => {
    expect(() => new Kernel({ release: 'later' as never })).toThrow(/release/);
    expect(() => new Kernel({ release: 'later' as never })).toThrow(ParameterError);
    expect(() => new Kernel({ releaseSeed: 0 })).toThrow(/releaseSeed/);
    expect(() => new Kernel({ releaseSeed: 1.5 })).toThrow(ParameterError);
    const k = new Kernel();
    const other = new Kernel();
    expect(() => k.runPendingReleases(other.kzallocDevice()!)).toThrow(/runPendingReleases\(adev\)/);
    expect(() => k.runPendingReleases({} as never)).toThrow(ParameterError);
  });
});

describe('devm_kzalloc containers (model.md §4.6, B18)', () => {
  it('B18: a devm container torn down correctly is no leak (devres holds it) but is freed by devres at unbind, outside its release callback', () => {
    const k = new Kernel();
    const pdev = k.parentDevice('pci0');
    const adev = k.devmKzallocDevice(pdev, 'struct my_aux')!;
    adev.name = 'foo';
    adev.parent = pdev;
    adev.release = () => {}; // "the container is devm memory: nothing to free here"
    expect(adev.init()).toBe(0);
    expect(adev.add('mymod')).toBe(0);
    adev.delete();
    adev.uninit();
    expect(k.report().clean).toBe(true);
    expect(pdev.pendingDevres).toEqual(['devm_kzalloc struct my_aux']);
    pdev.unbind();
    const r = k.report();
    expect(r.violations.map((f) => f.code)).toEqual(['free-outside-release']);
    expect(r.violations[0]!.call).toMatch(/devres free/);
    expect(adev.hasTag('freed')).toBe(true);
  });

  it('B18: a devm container whose device is still registered at unbind is freed under the device', () => {
    const k = new Kernel();
    const pdev = k.parentDevice('pci0');
    const adev = k.devmKzallocDevice(pdev)!;
    filled(k, adev, () => {});
    adev.init();
    adev.add('mymod');
    pdev.unbind();
    expect(k.report().violations.map((f) => f.code)).toEqual(['free-outside-release']);
  });

  it('B4: a release that kfree()s a devm container is a double free at that kfree (KASAN: invalid-free), which frees nothing: devres frees it at unbind, after the release (B18)', () => {
    const k = new Kernel({ trace: true });
    const pdev = k.parentDevice('pci0');
    const adev = k.devmKzallocDevice(pdev)!;
    filled(k, adev, (d) => k.kfree(d));
    adev.init();
    adev.uninit();
    expect(adev.hasTag('freed')).toBe(false);
    pdev.unbind();
    const r = k.report();
    expect(r.violations.map((f) => [f.code, f.call.replace(/^.*: /, '')])).toEqual([['double-free', 'kfree()'], ['free-outside-release', 'devres free()']]);
  });

  it('model.md §4.6: a release that devm_kfree()s its devm container frees it the right way, and unbind does not free it again', () => {
    const k = new Kernel();
    const pdev = k.parentDevice('pci0');
    const adev = k.devmKzallocDevice(pdev)!;
    filled(k, adev, (d) => { expect(pdev.devmKfree(d)).toBe(true); });
    adev.init();
    adev.uninit();
    expect(adev.hasTag('freed')).toBe(true);
    expect(pdev.pendingDevres).toEqual([]);
    pdev.unbind();
    expect(k.report().clean).toBe(true);
  });

  it('devm_kfree() of memory the parent\'s devres does not hold (kzalloc()ed, or freed by devres already) WARNs and frees nothing', () => {
    const k = new Kernel();
    const pdev = k.parentDevice('pci0');
    const heap = k.kzallocDevice()!;
    expect(pdev.devmKfree(heap)).toBe(false);
    expect(heap.hasTag('freed')).toBe(false);
    const devm = k.devmKzallocDevice(pdev)!;
    pdev.unbind();
    expect(pdev.devmKfree(devm)).toBe(false);
    expect(k.log.filter((l) => /devm_kfree/.test(l.text))).toHaveLength(2);
    k.kfree(heap);
    expect(k.report().clean).toBe(true);
  });

  it('§1.2: a devm container whose init failed (or never ran) is the caller\'s memory: devres freeing it is correct', () => {
    const k = new Kernel();
    const pdev = k.parentDevice('pci0');
    const adev = k.devmKzallocDevice(pdev)!;
    expect(adev.init()).toBe(-22); // no parent, no name
    pdev.unbind();
    expect(k.report().clean).toBe(true);
  });

  it('a devm allocation can fail like kzalloc (NULL), registering nothing; a foreign parent or an empty label is refused', () => {
    const k = new Kernel();
    const pdev = k.parentDevice('pci0');
    k.faults.failSite('kzalloc');
    expect(k.devmKzallocDevice(pdev)).toBeNull();
    expect(pdev.pendingDevres).toEqual([]);
    const other = new Kernel();
    expect(() => k.devmKzallocDevice(other.parentDevice('x'))).toThrow(/devmKzallocDevice\(parent\)/);
    expect(() => k.devmKzallocDevice(null as never)).toThrow(ParameterError);
    expect(() => k.devmKzallocDevice(pdev, '' as never)).toThrow(ParameterError);
  });
});
