import { describe, expect, it } from 'vitest';
import {
  NEG, VIOLATIONS, ViolationError, type AuxDevice, type Finding, type ViolationCode,
} from '../../src/index.js';
import { codes, ENOMEM, env, myRegister, myUnregister, thrown, type Env } from '../support/auxdrv.js';

/**
 * Real driver patterns, written the way a driver author writes them in C (a create function with
 * goto-style unwinding as early returns, and a teardown function), run against the simulated
 * kernel. Audit mode: the exact findings of `k.report()`. Strict mode: the typed ViolationError at
 * the breaking call. Expected codes and classes are those of model.md §3; the kernel facts are
 * kernel-auxbus.md's (§ and B numbers in the titles).
 */

/** The one finding of `list`, checked to be `code` (fails if there are more or fewer). */
function only(list: Finding[], code: ViolationCode): Finding {
  expect(list.map((f) => f.code)).toEqual([code]);
  return list[0]!;
}

/** Checks a strict-mode error: type, code, class (model.md §3), the fix in its message, the step. */
function expectViolation(e: unknown, code: ViolationCode, bugClass: string, step?: number): ViolationError {
  expect(e).toBeInstanceOf(ViolationError);
  const v = e as ViolationError;
  expect(v.violation).toBe(code);
  expect(v.bugClass).toBe(bugClass);
  expect(v.finding.code).toBe(code);
  expect(v.message).toContain(code);
  expect(v.message).toContain(VIOLATIONS[code].fix);
  if (step !== undefined) expect(v.finding.step).toBe(step);
  return v;
}

/** Registers a matching driver whose probe binds, so that probe is one of the fallible calls. */
function bindingDriver(e: Env, modname = 'mymod', devname = 'foo') {
  const drv = e.k.auxiliaryDriver({ name: 'drv', idTable: [{ name: `${modname}.${devname}` }], probe: () => 0, remove: () => {} });
  expect(drv.register('mydrv')).toBe(0);
  return drv;
}

// ---------------------------------------------------------------------------------------------

describe('the documented three-step register (§2.2, §2.3): the correct routine', () => {
  it('§2.2 registers mymod.foo.0 with the IDA id, holds 3 references (§3.4), and delete + uninit releases it: clean', () => {
    const e = env();
    const adev = myRegister(e);
    if (typeof adev === 'number') throw new Error(`register failed: ${adev}`);
    expect(adev.devName).toBe('mymod.foo.0');
    expect(e.k.bus.list()).toEqual(['mymod.foo.0']);
    expect(adev.refcount).toBe(3);
    expect(e.ida.allocated).toEqual([0]);
    myUnregister(adev);
    expect(adev.releaseCalls).toBe(1);
    expect(adev.hasTag('dead')).toBe(true);
    expect(e.k.bus.list()).toEqual([]);
    expect(e.ida.isEmpty()).toBe(true);
    const r = e.k.report();
    expect(codes(r)).toEqual({ violations: [], leaks: [] });
    expect(r.clean).toBe(true);
  });

  it('§1.2 init fails with -EINVAL on a NULL parent; the unwind (ida_free + kfree) leaves it clean', () => {
    const e = env();
    expect(myRegister(e, { parent: null })).toBe(NEG.EINVAL);
    expect(e.k.log.map((l) => l.text)).toContain('auxiliary_device has a NULL dev->parent');
    expect(e.ida.isEmpty()).toBe(true);
    expect(e.k.bus.list()).toEqual([]);
    expect(e.k.report().clean).toBe(true);
  });

  for (const mode of ['audit', 'strict'] as const) {
    it(`§2.2 fail-nth over every fallible call (kzalloc, ida_alloc, dev_set_name, device_add, probe): every run is clean (${mode})`, () => {
      const failedSites: string[] = [];
      const returned: Array<number | string> = [];
      for (let n = 1; n < 20; n++) {
        const e = env(mode);
        bindingDriver(e);
        e.k.faults.failNth(n);
        const adev = myRegister(e);
        if (!e.k.faults.injected) {
          // No fault left to inject: this run is the success path, and the loop ends here.
          expect(typeof adev).toBe('object');
          myUnregister(adev as AuxDevice);
          expect(e.k.report().clean).toBe(true);
          expect(n).toBe(6);
          break;
        }
        const failed = e.k.faults.calls.filter((c) => c.failed);
        expect(failed).toHaveLength(1);
        failedSites.push(failed[0]!.site);
        returned.push(typeof adev === 'number' ? adev : 'device');
        if (typeof adev !== 'number') {
          // §1.3, §1.8: a failed probe does not fail add; the device stays added and unbound.
          expect(adev.driver).toBeUndefined();
          expect(e.k.bus.list()).toEqual(['mymod.foo.0']);
          myUnregister(adev);
        }
        expect(e.k.bus.list()).toEqual([]);
        expect(e.ida.isEmpty()).toBe(true);
        const r = e.k.report();
        expect(codes(r), `fail-nth ${n} (${failed[0]!.site})`).toEqual({ violations: [], leaks: [] });
      }
      expect(failedSites).toEqual(['kzalloc', 'ida_alloc', 'dev_set_name', 'device_add', 'probe']);
      expect(returned).toEqual([ENOMEM, NEG.ENOMEM, NEG.ENOMEM, NEG.ENOMEM, 'device']);
    });
  }
});

// ---------------------------------------------------------------------------------------------

/**
 * The ice patch (B4, §5): `auxiliary_device_uninit(); kfree(iadev);` on add failure; release
 * already freed the container.
 */
function iceRegister(e: Env): AuxDevice | number {
  const { k, ida } = e;
  const adev = k.kzallocDevice('struct iidc_auxiliary_dev');
  if (!adev) return ENOMEM;
  const id = ida.alloc();
  if (id < 0) {
    k.kfree(adev);
    return id;
  }
  adev.name = 'foo';
  adev.id = id;
  adev.parent = e.parent;
  adev.release = (d) => {
    ida.free(d.id);
    k.kfree(d);
  };
  let ret = adev.init();
  if (ret !== 0) {
    ida.free(id);
    k.kfree(adev);
    return ret;
  }
  ret = adev.add('ice');
  if (ret !== 0) {
    adev.uninit();
    k.kfree(adev); // the bug
    return ret;
  }
  return adev;
}

describe('B4 double free after uninit on add failure (the ice patch)', () => {
  it('B4 audit: double-free at the kfree after uninit, nothing else (release ran once, id freed)', () => {
    const e = env();
    e.k.faults.failSite('device_add');
    expect(iceRegister(e)).toBe(NEG.ENOMEM);
    const r = e.k.report();
    const f = only(r.violations, 'double-free');
    expect(f.bugClass).toBe('B4');
    expect(f.call).toMatch(/kfree/);
    expect(f.object).toContain('ice.foo.0');
    expect(r.leaks).toEqual([]);
    expect(e.ida.isEmpty()).toBe(true);
  });

  it('B4 strict: ViolationError double-free is thrown by the kfree, after release already ran', () => {
    const audit = env();
    audit.k.faults.failSite('device_add');
    iceRegister(audit);
    const step = audit.k.report().violations[0]!.step;

    const e = env('strict');
    e.k.faults.failSite('device_add');
    const v = expectViolation(thrown(() => iceRegister(e)), 'double-free', 'B4', step);
    expect(v.finding.call).toMatch(/kfree/);
    expect(e.ida.isEmpty()).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

/** B1: add failure unwound with ida_free + kfree instead of uninit (the container is refcounted now). */
function kfreeAfterInitRegister(e: Env, out: { adev?: AuxDevice }): AuxDevice | number {
  const { k, ida } = e;
  const adev = k.kzallocDevice('struct my_aux');
  if (!adev) return ENOMEM;
  out.adev = adev;
  const id = ida.alloc();
  if (id < 0) {
    k.kfree(adev);
    return id;
  }
  adev.name = 'foo';
  adev.id = id;
  adev.parent = e.parent;
  adev.release = (d) => {
    ida.free(d.id);
    k.kfree(d);
  };
  let ret = adev.init();
  if (ret === 0) ret = adev.add('mymod');
  if (ret !== 0) {
    ida.free(id);
    k.kfree(adev); // the bug once init succeeded
    return ret;
  }
  return adev;
}

describe('B1 kfree after a successful init', () => {
  it('B1 audit: free-after-init at the kfree, nothing else; the release callback never runs (§3.7)', () => {
    const e = env();
    const out: { adev?: AuxDevice } = {};
    e.k.faults.failSite('device_add');
    expect(kfreeAfterInitRegister(e, out)).toBe(NEG.ENOMEM);
    const r = e.k.report();
    const f = only(r.violations, 'free-after-init');
    expect(f.bugClass).toBe('B1');
    expect(f.call).toMatch(/kfree/);
    expect(r.leaks).toEqual([]);
    expect(out.adev!.releaseCalls).toBe(0);
    expect(out.adev!.hasTag('dead')).toBe(true);
    expect(e.ida.isEmpty()).toBe(true);
  });

  it('B1 strict: ViolationError free-after-init thrown by the kfree', () => {
    const audit = env();
    audit.k.faults.failSite('device_add');
    kfreeAfterInitRegister(audit, {});
    const step = audit.k.report().violations[0]!.step;

    const e = env('strict');
    const out: { adev?: AuxDevice } = {};
    e.k.faults.failSite('device_add');
    const v = expectViolation(thrown(() => kfreeAfterInitRegister(e, out)), 'free-after-init', 'B1', step);
    expect(v.finding.call).toMatch(/kfree/);
    expect(out.adev!.releaseCalls).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------

/**
 * B4 on the id: release frees the id, and the add-failure path frees it again after uninit (the
 * ionic RDMA patch's fall-through). `between` runs after uninit and before the second free: what
 * another thread (another instance of the parent driver) does meanwhile. `owner` is passed to the
 * error path's ida_free when given (see the Ida.free TSDoc).
 */
function idaTwiceRegister(e: Env, between?: () => void, owner?: 'self'): AuxDevice | number {
  const { k, ida } = e;
  const adev = k.kzallocDevice('struct my_aux');
  if (!adev) return ENOMEM;
  const id = ida.alloc();
  if (id < 0) {
    k.kfree(adev);
    return id;
  }
  adev.name = 'foo';
  adev.id = id;
  adev.parent = e.parent;
  adev.release = (d) => {
    ida.free(d.id);
    k.kfree(d);
  };
  let ret = adev.init();
  if (ret !== 0) {
    ida.free(id);
    k.kfree(adev);
    return ret;
  }
  ret = adev.add('mymod');
  if (ret !== 0) {
    adev.uninit();
    between?.();
    if (owner) ida.free(id, adev); // the bug, saying on whose behalf
    else ida.free(id); // the bug
    return ret;
  }
  return adev;
}

describe('B4 the id freed in release and again in the error path', () => {
  it('B4 audit: ida-double-free at the error path\'s ida_free, nothing else', () => {
    const e = env();
    e.k.faults.failSite('device_add');
    expect(idaTwiceRegister(e)).toBe(NEG.ENOMEM);
    const r = e.k.report();
    const f = only(r.violations, 'ida-double-free');
    expect(f.bugClass).toBe('B4');
    expect(f.call).toMatch(/ida_free/);
    expect(f.object).toContain('my_ida');
    expect(r.leaks).toEqual([]);
    expect(e.k.log.some((l) => l.text.startsWith('ida_free called for id='))).toBe(true);
  });

  it('B4 strict: ViolationError ida-double-free thrown by the error path\'s ida_free', () => {
    const audit = env();
    audit.k.faults.failSite('device_add');
    idaTwiceRegister(audit);
    const step = audit.k.report().violations[0]!.step;

    const e = env('strict');
    e.k.faults.failSite('device_add');
    const v = expectViolation(thrown(() => idaTwiceRegister(e)), 'ida-double-free', 'B4', step);
    expect(v.finding.call).toMatch(/ida_free/);
  });

  /**
   * The re-allocated case (§5 B4): device A's add fails, its release frees id 0, device B (another
   * parent instance) gets id 0 and is added as mymod.foo.0, then A's error path frees 0 again.
   * The kernel frees B's id silently; the next allocation hands out 0 again, and a device C with
   * that id fails add with -EEXIST; B's own release later WARNs "not allocated".
   */
  function reallocated(mode: 'audit' | 'strict', withOwner: boolean) {
    const e = env(mode);
    let b: AuxDevice | number = 0;
    e.k.faults.failSite('device_add');
    const run = () => idaTwiceRegister(e, () => { b = myRegister(e); }, withOwner ? 'self' : undefined);
    return { e, run, b: () => b as AuxDevice | number };
  }

  it('B4 re-allocated id, ida_free without owner: silent at the stale free (taken as B\'s own), duplicate id 0 → -EEXIST (B16) for C, ida-double-free at B\'s release', () => {
    const { e, run, b } = reallocated('audit', false);
    expect(run()).toBe(NEG.ENOMEM);
    const devB = b() as AuxDevice;
    expect(devB.devName).toBe('mymod.foo.0');
    // The stale free released B's id without a finding, as the kernel cannot see it either.
    expect(e.k.report().violations).toEqual([]);
    expect(e.ida.allocated).toEqual([]);
    // A duplicate: the next allocation hands out B's id again and C's add collides with B.
    expect(myRegister(e)).toBe(NEG.EEXIST);
    expect(e.k.report().violations).toEqual([]);
    // B's teardown: its release frees id 0, which is no longer allocated.
    myUnregister(devB);
    const r = e.k.report();
    const f = only(r.violations, 'ida-double-free');
    expect(f.call).toMatch(/ida_free/);
    expect(devB.releaseCalls).toBe(1);
    expect(r.leaks).toEqual([]);
  });

  it('B4 re-allocated id, ida_free with owner A: ida-free-reallocated at the stale free, then ida-double-free at B\'s release', () => {
    const { e, run, b } = reallocated('audit', true);
    expect(run()).toBe(NEG.ENOMEM);
    const devB = b() as AuxDevice;
    const stale = only(e.k.report().violations, 'ida-free-reallocated');
    expect(stale.bugClass).toBe('B4');
    expect(stale.call).toMatch(/ida_free/);
    expect(e.ida.allocated).toEqual([]); // the kernel really freed B's id (model.md §4.2)
    expect(myRegister(e)).toBe(NEG.EEXIST);
    myUnregister(devB);
    const r = e.k.report();
    expect(r.violations.map((f) => f.code)).toEqual(['ida-free-reallocated', 'ida-double-free']);
    expect(r.violations[1]!.step).toBeGreaterThan(stale.step);
    expect(r.leaks).toEqual([]);
  });

  it('B4 strict, re-allocated without owner: nothing thrown until B\'s teardown, whose release throws ida-double-free', () => {
    const { e, run, b } = reallocated('strict', false);
    expect(run()).toBe(NEG.ENOMEM);
    expect(myRegister(e)).toBe(NEG.EEXIST);
    const v = expectViolation(thrown(() => myUnregister(b() as AuxDevice)), 'ida-double-free', 'B4');
    expect(v.finding.call).toMatch(/ida_free/);
  });

  it('B4 strict, re-allocated with owner: A\'s error path throws ida-free-reallocated at the stale free', () => {
    const { e, run } = reallocated('strict', true);
    const v = expectViolation(thrown(run), 'ida-free-reallocated', 'B4');
    expect(v.finding.call).toMatch(/ida_free/);
    expect(e.ida.allocated).toEqual([]);
  });
});

/**
 * B4 the other way round: the add-failure path frees the id first and then calls uninit, whose
 * release frees it again. If another thread got the id in between, the stale free is the one in
 * the release callback, which the model attributes to the releasing device without an owner.
 */
function freeThenUninitRegister(e: Env, between: () => void): AuxDevice | number {
  const { k, ida } = e;
  const adev = k.kzallocDevice('struct my_aux');
  if (!adev) return ENOMEM;
  const id = ida.alloc();
  if (id < 0) {
    k.kfree(adev);
    return id;
  }
  adev.name = 'foo';
  adev.id = id;
  adev.parent = e.parent;
  adev.release = (d) => {
    ida.free(d.id);
    k.kfree(d);
  };
  let ret = adev.init();
  if (ret !== 0) {
    ida.free(id);
    k.kfree(adev);
    return ret;
  }
  ret = adev.add('mymod');
  if (ret !== 0) {
    ida.free(id); // the bug: release frees it too
    between();
    adev.uninit();
    return ret;
  }
  return adev;
}

describe('B4 the id freed in the error path and again by release, re-allocated in between', () => {
  it('B4 audit: the release\'s ida_free of its own (stale) id is ida-free-reallocated, at the uninit; B\'s later release WARNs not allocated', () => {
    const e = env();
    const other: { b?: AuxDevice | number } = {};
    e.k.faults.failSite('device_add');
    expect(freeThenUninitRegister(e, () => { other.b = myRegister(e); })).toBe(NEG.ENOMEM);
    const devB = other.b as AuxDevice;
    expect(devB.id).toBe(0);
    const stale = only(e.k.report().violations, 'ida-free-reallocated');
    expect(stale.call).toMatch(/ida_free/);
    expect(e.ida.allocated).toEqual([]); // B's id really went (model.md §4.2)
    myUnregister(devB);
    expect(e.k.report().violations.map((f) => f.code)).toEqual(['ida-free-reallocated', 'ida-double-free']);
  });

  it('B4 strict: the release callback run by A\'s uninit throws ida-free-reallocated', () => {
    const e = env('strict');
    e.k.faults.failSite('device_add');
    expectViolation(thrown(() => freeThenUninitRegister(e, () => { myRegister(e); })), 'ida-free-reallocated', 'B4');
  });
});

// ---------------------------------------------------------------------------------------------

describe('B6 uninit without delete', () => {
  /** The teardown that forgets auxiliary_device_delete(). */
  const b6Unregister = (adev: AuxDevice) => adev.uninit();

  it('B6 audit: uninit-without-delete at the uninit; the device stays on the bus, release never runs', () => {
    const e = env();
    const adev = myRegister(e) as AuxDevice;
    b6Unregister(adev);
    const r = e.k.report();
    const f = only(r.violations, 'uninit-without-delete');
    expect(f.bugClass).toBe('B6');
    expect(f.call).toMatch(/uninit/);
    expect(e.k.bus.list()).toEqual(['mymod.foo.0']);
    expect(adev.releaseCalls).toBe(0);
    expect(adev.refcount).toBe(2); // §3.4: the bus klist and parent klist references keep it
    expect(r.leaks).toEqual([]);
  });

  it('B6 strict: ViolationError uninit-without-delete thrown by the uninit', () => {
    const e = env('strict');
    const adev = myRegister(e) as AuxDevice;
    expectViolation(thrown(() => b6Unregister(adev)), 'uninit-without-delete', 'B6');
    expect(e.k.bus.list()).toEqual(['mymod.foo.0']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('B11 use of adev->id after the final uninit, and the ionic pattern', () => {
  /** The release frees only the container; the unregister path frees the id. */
  const register = (e: Env) => myRegister(e, { release: (d) => e.k.kfree(d) }) as AuxDevice;
  /** Reads adev->id after uninit released the device. */
  const b11Unregister = (e: Env, adev: AuxDevice) => {
    adev.delete();
    adev.uninit();
    e.ida.free(adev.id);
  };
  /** ionic: saves the id before uninit, frees it after. */
  const ionicUnregister = (e: Env, adev: AuxDevice) => {
    const id = adev.id;
    adev.delete();
    adev.uninit();
    e.ida.free(id);
  };

  it('B11 audit: use-after-release at the read of adev->id, nothing else', () => {
    const e = env();
    const adev = register(e);
    b11Unregister(e, adev);
    const r = e.k.report();
    const f = only(r.violations, 'use-after-release');
    expect(f.bugClass).toBe('B11');
    expect(f.call).toMatch(/read/);
    expect(f.call).toMatch(/id/);
    expect(r.leaks).toEqual([]);
  });

  it('B11 strict: ViolationError use-after-release thrown by the read of adev->id', () => {
    const e = env('strict');
    const adev = register(e);
    const v = expectViolation(thrown(() => b11Unregister(e, adev)), 'use-after-release', 'B11');
    expect(v.finding.call).toMatch(/read/);
    expect(e.ida.allocated).toEqual([0]); // the throw came before the ida_free
  });

  for (const mode of ['audit', 'strict'] as const) {
    it(`§2.4 ionic pattern (id saved before uninit, freed after) is clean (${mode})`, () => {
      const e = env(mode);
      const adev = register(e);
      ionicUnregister(e, adev);
      expect(e.ida.isEmpty()).toBe(true);
      expect(e.k.report().clean).toBe(true);
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('B12 missing release callback', () => {
  it('B12 audit: missing-release alone at the final uninit, with the WARN; no memory-leak for the container or id-leak (model.md §4.3)', () => {
    const e = env();
    const adev = myRegister(e, { release: null }) as AuxDevice; // init and add do not check release (§1.2)
    expect(adev.devName).toBe('mymod.foo.0');
    myUnregister(adev);
    const r = e.k.report();
    const f = only(r.violations, 'missing-release');
    expect(f.bugClass).toBe('B12');
    expect(f.call).toMatch(/uninit/);
    expect(r.leaks).toEqual([]);
    expect(adev.releaseCalls).toBe(0);
    expect(e.k.log.some((l) => l.text.includes('does not have a release() function, it is broken and must be fixed'))).toBe(true);
  });

  it('B12 strict: ViolationError missing-release thrown by the final uninit, not by init or add (§3.6)', () => {
    const e = env('strict');
    const adev = myRegister(e, { release: null }) as AuxDevice;
    adev.delete();
    expectViolation(thrown(() => adev.uninit()), 'missing-release', 'B12');
  });
});

// ---------------------------------------------------------------------------------------------

describe('end-check leaks: B3, B5, B15 (model.md §4.3)', () => {
  /** add failure with no unwind: the error path just returns. */
  function b3Register(e: Env, out: { adev?: AuxDevice }): AuxDevice | number {
    const { k, ida } = e;
    const adev = k.kzallocDevice('struct my_aux');
    if (!adev) return ENOMEM;
    out.adev = adev;
    const id = ida.alloc();
    if (id < 0) {
      k.kfree(adev);
      return id;
    }
    adev.name = 'foo';
    adev.id = id;
    adev.parent = e.parent;
    adev.release = (d) => {
      ida.free(d.id);
      k.kfree(d);
    };
    let ret = adev.init();
    if (ret !== 0) {
      ida.free(id);
      k.kfree(adev);
      return ret;
    }
    ret = adev.add('mymod');
    if (ret !== 0) return ret; // the bug: no uninit
    return adev;
  }

  for (const mode of ['audit', 'strict'] as const) {
    it(`B3 add failure with no unwind: leak-initialized alone (no memory-leak, no id-leak), created at the kzalloc step; nothing thrown (${mode})`, () => {
      const e = env(mode);
      const out: { adev?: AuxDevice } = {};
      e.k.faults.failSite('device_add');
      expect(b3Register(e, out)).toBe(NEG.ENOMEM);
      const r = e.k.report();
      expect(r.violations).toEqual([]);
      const f = only(r.leaks, 'leak-initialized');
      expect(f.bugClass).toBe('B3');
      expect(f.createdAt.step).toBe(out.adev!.createdAt.step);
      expect(f.createdAt.call).toMatch(/kzalloc/);
      expect(r.clean).toBe(false);
    });
  }

  it('B5 release frees only the container and nobody frees the id: id-leak alone, for id 0, created at the ida_alloc', () => {
    const e = env();
    const adev = myRegister(e, { release: (d) => e.k.kfree(d) }) as AuxDevice;
    myUnregister(adev);
    const r = e.k.report();
    expect(r.violations).toEqual([]);
    const f = only(r.leaks, 'id-leak');
    expect(f.bugClass).toBe('B5');
    expect(f.ids).toEqual([0]);
    expect(f.createdAt.call).toMatch(/ida_alloc/);
    expect(f.createdAt.step).toBe(adev.createdAt.step + 1); // the call right after kzalloc
  });

  it('B15 a get_device never put: reference-leak alone; the device is off the bus but never released', () => {
    const e = env();
    const adev = myRegister(e) as AuxDevice;
    const ref = adev.get();
    expect(ref).toBe(adev);
    myUnregister(adev);
    expect(e.k.bus.list()).toEqual([]);
    expect(adev.releaseCalls).toBe(0);
    const r = e.k.report();
    expect(r.violations).toEqual([]);
    expect(only(r.leaks, 'reference-leak').bugClass).toBe('B15');
    // Balancing the get releases it and the report becomes clean.
    adev.put();
    expect(adev.releaseCalls).toBe(1);
    expect(e.k.report().clean).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('§2.4 mlx5 pattern: one index shared by the core device\'s children, freed by the parent side', () => {
  it('§2.4 two children with one id and different names; release frees only the container; parent frees the index last: clean', () => {
    // One index allocated per core device and set on every child (mlx5_adev_idx_alloc).
    const m = env();
    const index = m.ida.alloc();
    const devs = ['eth', 'rdma'].map((name) => {
      const adev = m.k.kzallocDevice('struct mlx5_adev')!;
      adev.name = name;
      adev.id = index;
      adev.parent = m.parent;
      adev.release = (d) => m.k.kfree(d);
      expect(adev.init()).toBe(0);
      expect(adev.add('mlx5_core')).toBe(0);
      return adev;
    });
    expect(m.k.bus.list()).toEqual(['mlx5_core.eth.0', 'mlx5_core.rdma.0']);
    for (const d of devs) myUnregister(d);
    m.ida.free(index);
    expect(m.k.report().clean).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('§1.5, §1.6 auxiliary_device_create / destroy / devm_auxiliary_device_create', () => {
  it('§1.5 create returns a registered mymod.foo.3 carrying platform_data; destroy releases it: clean', () => {
    const e = env();
    const pdata = { irq: 5 };
    const adev = e.k.auxiliaryDeviceCreate(e.parent, 'mymod', 'foo', pdata, 3);
    expect(adev).not.toBeNull();
    expect(adev!.devName).toBe('mymod.foo.3');
    expect(adev!.platformData).toBe(pdata);
    expect(adev!.parent).toBe(e.parent);
    expect(e.k.bus.list()).toEqual(['mymod.foo.3']);
    e.k.auxiliaryDeviceDestroy(adev!);
    expect(adev!.releaseCalls).toBe(1);
    expect(adev!.hasTag('freed')).toBe(true); // auxiliary_device_release kfrees the struct
    expect(e.k.bus.list()).toEqual([]);
    expect(e.k.report().clean).toBe(true);
  });

  it('§1.5, §1.2, §1.3 a NULL devname makes init fail (-EINVAL): create kfrees the struct and returns NULL; a NULL modname makes add fail: uninit, release frees it, NULL; nothing leaks', () => {
    const e = env();
    expect(e.k.auxiliaryDeviceCreate(e.parent, 'mymod', null, undefined, 0)).toBeNull();
    expect(e.k.log.map((l) => l.text)).toContain('auxiliary_device has a NULL name');
    expect(e.k.auxiliaryDeviceCreate(e.parent, null, 'foo', undefined, 0)).toBeNull();
    expect(e.k.log.map((l) => l.text)).toContain('auxiliary device modname is NULL');
    expect(e.k.bus.list()).toEqual([]);
    expect(e.k.report().clean).toBe(true);
  });

  it('§1.3 a name cleared after init is composed as the kernel\'s %s prints NULL: mymod.(null).0', () => {
    const e = env();
    const adev = e.k.kzallocDevice('foo')!;
    adev.name = 'foo';
    adev.parent = e.parent;
    adev.release = (d) => e.k.kfree(d);
    expect(adev.init()).toBe(0);
    adev.name = null;
    expect(adev.add('mymod')).toBe(0);
    expect(adev.devName).toBe('mymod.(null).0');
    expect(e.k.bus.list()).toEqual(['mymod.(null).0']);
  });

  it('§1.5 create returns NULL on every failure (fail-nth over kzalloc, dev_set_name, device_add) and leaks nothing', () => {
    const sites: string[] = [];
    for (let n = 1; n < 10; n++) {
      const e = env();
      e.k.faults.failNth(n);
      const adev = e.k.auxiliaryDeviceCreate(e.parent, 'mymod', 'foo', undefined, 0);
      if (!e.k.faults.injected) {
        expect(adev).not.toBeNull();
        expect(n).toBe(4);
        break;
      }
      sites.push(e.k.faults.calls.find((c) => c.failed)!.site);
      expect(adev).toBeNull();
      expect(e.k.bus.list()).toEqual([]);
      expect(codes(e.k.report())).toEqual({ violations: [], leaks: [] });
    }
    expect(sites).toEqual(['kzalloc', 'dev_set_name', 'device_add']);
  });

  it('§1.3, §1.5 create still returns the device when the driver\'s probe fails: add succeeded, the device is unbound', () => {
    const e = env();
    bindingDriver(e);
    e.k.faults.failSite('probe');
    const adev = e.k.auxiliaryDeviceCreate(e.parent, 'mymod', 'foo', undefined, 0);
    expect(adev).not.toBeNull();
    expect(adev!.driver).toBeUndefined();
    e.k.auxiliaryDeviceDestroy(adev!);
    expect(e.k.report().clean).toBe(true);
  });

  it('§1.6 devm create: destroyed when the parent unbinds, in LIFO order with the parent\'s other devres actions', () => {
    const e = env();
    const order: string[] = [];
    const drv = e.k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: () => 0, remove: (d) => order.push(`remove ${d.devName}`) });
    expect(drv.register('auxdrv')).toBe(0);
    expect(e.parent.devmAddActionOrReset('first', () => order.push(`first, bus: ${e.k.bus.list().join()}`))).toBe(0);
    const adev = e.k.devmAuxiliaryDeviceCreate(e.parent, 'mymod', 'foo');
    expect(adev).not.toBeNull();
    expect(adev!.devName).toBe('mymod.foo.0'); // the macro's id 0
    expect(adev!.driver).toBe(drv);
    expect(e.parent.devmAddActionOrReset('last', () => order.push(`last, bus: ${e.k.bus.list().join()}`))).toBe(0);
    expect(e.parent.pendingDevres).toHaveLength(3);
    e.parent.unbind();
    expect(order).toEqual(['last, bus: mymod.foo.0', 'remove mymod.foo.0', 'first, bus: ']);
    expect(e.parent.pendingDevres).toEqual([]);
    expect(adev!.releaseCalls).toBe(1);
    expect(e.k.report().clean).toBe(true);
  });

  it('devres: an action registered while the parent unbinds is not run by that unbind (devres_release_all() takes the list off first); the next unbind runs it', () => {
    const e = env();
    const order: string[] = [];
    expect(e.parent.devmAddActionOrReset('again', () => {
      order.push('again');
      e.parent.devmAddActionOrReset('late', () => order.push('late'));
    })).toBe(0);
    e.parent.unbind();
    expect(order).toEqual(['again']);
    expect(e.parent.pendingDevres).toEqual(['late']);
    e.parent.unbind();
    expect(order).toEqual(['again', 'late']);
    expect(e.parent.pendingDevres).toEqual([]);
  });

  it('§1.6 devm create returns NULL on every failure (fail-nth over kzalloc, dev_set_name, device_add, devres) and leaks nothing', () => {
    const sites: string[] = [];
    for (let n = 1; n < 10; n++) {
      const e = env();
      e.k.faults.failNth(n);
      const adev = e.k.devmAuxiliaryDeviceCreate(e.parent, 'mymod', 'foo');
      if (!e.k.faults.injected) {
        expect(adev).not.toBeNull();
        expect(n).toBe(5);
        break;
      }
      sites.push(e.k.faults.calls.find((c) => c.failed)!.site);
      expect(adev).toBeNull();
      expect(e.k.bus.list()).toEqual([]);
      expect(e.parent.pendingDevres).toEqual([]);
      expect(codes(e.k.report())).toEqual({ violations: [], leaks: [] });
    }
    expect(sites).toEqual(['kzalloc', 'dev_set_name', 'device_add', 'devres']);
  });

  it('§1.6 devres failure: devm_add_action_or_reset runs the destroy at once, so the device was added, then deleted and released', () => {
    const e = env();
    const seen: string[] = [];
    const drv = e.k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: (d) => { seen.push(`probe ${d.devName}`); return 0; }, remove: (d) => seen.push(`remove ${d.devName}`) });
    expect(drv.register('auxdrv')).toBe(0);
    e.k.faults.failSite('devres');
    expect(e.k.devmAuxiliaryDeviceCreate(e.parent, 'mymod', 'foo')).toBeNull();
    expect(seen).toEqual(['probe mymod.foo.0', 'remove mymod.foo.0']);
    expect(e.k.bus.list()).toEqual([]);
    expect(e.k.report().clean).toBe(true);
  });

  it('B7 devm device also destroyed by hand while another reference is held: double-delete at the devres destroy; the second uninit drops the holder\'s reference, so its put is use-after-release', () => {
    const e = env();
    const adev = e.k.devmAuxiliaryDeviceCreate(e.parent, 'mymod', 'foo')!;
    const ref = adev.get(); // e.g. a consumer that looked the device up
    e.k.auxiliaryDeviceDestroy(adev); // by hand
    expect(e.k.report().violations).toEqual([]);
    e.parent.unbind(); // devres destroys it again
    const dd = only(e.k.report().violations, 'double-delete');
    expect(dd.bugClass).toBe('B7');
    expect(dd.call).toMatch(/delete/);
    expect(adev.releaseCalls).toBe(1);
    ref.put();
    expect(e.k.report().violations.map((f) => f.code)).toEqual(['double-delete', 'use-after-release']);
    expect(e.k.report().leaks).toEqual([]);
  });

  it('B7/B11 devm device destroyed by hand, then by devres: the device is already released, so dead-first gives use-after-release at the devres destroy\'s delete, once: its uninit repeats the same mistake of the same call (model.md §4.1, §4.3)', () => {
    const e = env();
    const adev = e.k.devmAuxiliaryDeviceCreate(e.parent, 'mymod', 'foo')!;
    e.k.auxiliaryDeviceDestroy(adev);
    expect(adev.releaseCalls).toBe(1);
    e.parent.unbind();
    const r = e.k.report();
    expect(r.violations.map((f) => f.code)).toEqual(['use-after-release']);
    expect(r.violations[0]!.call).toMatch(/delete/);
    expect(r.leaks).toEqual([]);
  });

  it('model.md §4.3: a second auxiliary_device_destroy() by hand is one use-after-release; a delete and an uninit called by the driver itself are two mistakes, two findings', () => {
    const twice = env();
    const a = twice.k.auxiliaryDeviceCreate(twice.parent, 'mymod', 'foo', undefined, 1)!;
    twice.k.auxiliaryDeviceDestroy(a);
    twice.k.auxiliaryDeviceDestroy(a);
    expect(twice.k.report().violations.map((f) => f.code)).toEqual(['use-after-release']);
    const byHand = env();
    const b = byHand.k.auxiliaryDeviceCreate(byHand.parent, 'mymod', 'foo', undefined, 1)!;
    byHand.k.auxiliaryDeviceDestroy(b);
    b.delete();
    b.uninit();
    expect(byHand.k.report().violations.map((f) => f.code)).toEqual(['use-after-release', 'use-after-release']);
  });

  it('B7 strict: the devres destroy of a device destroyed by hand throws at its delete', () => {
    const e = env('strict');
    const adev = e.k.devmAuxiliaryDeviceCreate(e.parent, 'mymod', 'foo')!;
    adev.get();
    e.k.auxiliaryDeviceDestroy(adev);
    const v = expectViolation(thrown(() => e.parent.unbind()), 'double-delete', 'B7');
    expect(v.finding.call).toMatch(/delete/);
  });

  it('B16 devm_auxiliary_device_create\'s id 0 used by two parent instances with one devname: the second gets NULL (-EEXIST inside), no violation, no leak', () => {
    const e = env();
    const second = e.k.parentDevice('0000:04:00.0');
    const a = e.k.devmAuxiliaryDeviceCreate(e.parent, 'ltc4283', 'gpio');
    expect(a).not.toBeNull();
    expect(e.k.devmAuxiliaryDeviceCreate(second, 'ltc4283', 'gpio')).toBeNull();
    expect(e.k.log.map((l) => l.text)).toContain('adding auxiliary device failed!: -17');
    expect(e.k.bus.list()).toEqual(['ltc4283.gpio.0']);
    expect(e.k.bus.find('ltc4283.gpio.0')).toBe(a);
    expect(second.pendingDevres).toEqual([]);
    // The first device is still registered (the end check would count it): no violation so far.
    expect(e.k.report().violations).toEqual([]);
    second.unbind();
    e.parent.unbind();
    expect(e.k.bus.list()).toEqual([]);
    expect(e.k.report().clean).toBe(true);
  });
});
