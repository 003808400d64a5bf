/**
 * The single table of violation codes (model.md §3).
 *
 * Tests and diagnostics key on these codes, so they are stable; everything a human needs to
 * understand a finding (what the kernel would have shown, how to fix the driver) lives here
 * and nowhere else, so the machines and the runtime cannot drift apart on wording.
 * Section references (§) and bug classes (B1..B21) are those of kernel-auxbus.md.
 *
 * @module
 */

/**
 * Stable name of a contract breach.
 *
 * @example
 * ```ts
 * const code: ViolationCode = 'free-after-init';
 * ```
 */
export type ViolationCode =
  | 'free-after-init'
  | 'put-uninitialized'
  | 'leak-initialized'
  | 'memory-leak'
  | 'double-free'
  | 'ida-double-free'
  | 'ida-free-reallocated'
  | 'id-leak'
  | 'uninit-without-delete'
  | 'double-delete'
  | 'delete-unadded'
  | 'add-uninitialized'
  | 'double-add'
  | 'use-after-release'
  | 'missing-release'
  | 'free-outside-release'
  | 'driver-incomplete'
  | 'unregister-unregistered'
  | 'reference-leak'
  | 'get-uninitialized'
  | 'double-init'
  | 'double-register'
  | 'wrong-error-check'
  | 'null-device'
  | 'null-dereference';

/**
 * Bug class of kernel-auxbus.md §5. Several codes share a class (e.g. B4 covers both the
 * container and the id being freed twice) because one kernel misuse can hit several objects.
 *
 * @example
 * ```ts
 * const cls: BugClass = 'B17';
 * ```
 */
export type BugClass = `B${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20 | 21}`;

/**
 * How a real kernel notices a misuse.
 *
 * - `warn`: a WARN/WARN_ON splat, or a pr_err/dev_err line with a stack dump.
 * - `kasan`: a KASAN report (`BUG: KASAN: ...`).
 * - `kmemleak`: a kmemleak `unreferenced object` report at a later scan.
 * - `oops`: a kernel oops (NULL-pointer dereference).
 * - `silent`: nothing fires at the misusing step; if it is the only entry, nothing ever does.
 *
 * @example
 * ```ts
 * const late: Detection[] = ['silent', 'kasan'];
 * ```
 */
export type Detection = 'warn' | 'kasan' | 'kmemleak' | 'oops' | 'silent';

/**
 * Everything known about one violation code.
 *
 * @example
 * ```ts
 * const info: ViolationInfo = VIOLATIONS['double-free'];
 * console.log(`${info.code} (${info.bugClass}): ${info.kernelSymptom}`);
 * ```
 */
export interface ViolationInfo {
  /** The stable code; equal to this entry's key in {@link VIOLATIONS}. */
  code: ViolationCode;
  /** Bug class from model.md §3 (kernel-auxbus.md §5). */
  bugClass: BugClass;
  /**
   * Who judges it: the machine that raises it, so a diagnostic can point at the right lifecycle;
   * or `checker` for a code no machine raises, judged by `auxbus check` on a path through C (a
   * pointer's failure value, a pointer the path knows is NULL): nothing in the model, the runtime,
   * the explorers or the KUnit cases can produce it.
   */
  machine: 'device' | 'ida' | 'driver' | 'world' | 'checker';
  /** One sentence: the misuse (model.md §3). */
  when: string;
  /** What a real kernel shows, quoting kernel-auxbus.md's messages exactly where it has one. */
  kernelSymptom: string;
  /** The kinds of detection in a real kernel, in the order they fire. */
  detection: Detection[];
  /** What the driver author should do instead. */
  fix: string;
  /** kernel-auxbus.md section(s) that back the entry. */
  section: string;
}

// Message texts used by more than one entry, so a spec correction is made in one place.
const KOBJ_PUT_UNINIT = `"kobject: '%s' (%p): is not initialized, yet kobject_put() is being called."`;
const KOBJ_GET_UNINIT = `"kobject: '%s' (%p): is not initialized, yet kobject_get() is being called."`;
const REFCOUNT_UNDERFLOW = `"refcount_t: underflow; use-after-free."`;
const REFCOUNT_ADD_ON_ZERO = `"refcount_t: addition on 0; use-after-free."`;
const KASAN_UAF = `"BUG: KASAN: slab-use-after-free in ..."`;
const KASAN_DOUBLE_FREE = `"BUG: KASAN: double-free in ..."`;
const KMEMLEAK = `"unreferenced object 0x%08lx (size %zu):"`;
const SYSFS_DUP = `"sysfs: cannot create duplicate filename '...'"`;

/**
 * Builds one entry. The key/code pairing is checked by the type of {@link VIOLATIONS}, and the
 * entry is frozen so a consumer cannot edit a message shared by every diagnostic.
 */
function entry<C extends ViolationCode>(code: C, info: Omit<ViolationInfo, 'code'>): ViolationInfo & { code: C } {
  const full = { code, ...info };
  Object.freeze(full.detection);
  return Object.freeze(full);
}

/**
 * The violation table: every code, with class, raising machine, kernel symptom and fix.
 *
 * @example
 * ```ts
 * VIOLATIONS['double-init'].bugClass; // 'B17'
 * VIOLATIONS['missing-release'].detection; // ['warn', 'kmemleak']
 * ```
 */
export const VIOLATIONS: Readonly<Record<ViolationCode, ViolationInfo>> = Object.freeze({
  'free-after-init': entry('free-after-init', {
    bugClass: 'B1',
    machine: 'device',
    when: 'The container is freed directly (kfree) after auxiliary_device_init() succeeded.',
    kernelSymptom:
      'Nothing fires at the kfree, and release-side cleanups (IDA id, OF node) are skipped. ' +
      'If the name was never set: nothing at all. If add had set the name: kmemleak reports the name string ' +
      `allocated in kobject_set_name_vargs (${KMEMLEAK}). If the device had been added: sysfs, the bus klist ` +
      `and the parent klist still point into the freed memory, so ${KASAN_UAF} on the next walk or on delete.`,
    detection: ['silent', 'kasan', 'kmemleak'],
    fix:
      'After auxiliary_device_init() succeeds, unwind only with auxiliary_device_uninit() (after auxiliary_device_delete() ' +
      'if it was added); free the container in the release callback.',
    section: '§1.2, §3.7, §5 B1',
  }),
  'put-uninitialized': entry('put-uninitialized', {
    bugClass: 'B2',
    machine: 'device',
    when: 'auxiliary_device_uninit() or put_device() is called on a device whose auxiliary_device_init() never succeeded.',
    kernelSymptom:
      `WARN ${KOBJ_PUT_UNINIT} then WARN_ONCE ${REFCOUNT_UNDERFLOW}; the counter saturates and no release runs, ` +
      `so the container leaks (kmemleak: ${KMEMLEAK}) unless the caller also frees it.`,
    detection: ['warn', 'kmemleak'],
    fix:
      'When auxiliary_device_init() fails nothing was initialized: kfree() the container (and free any id you allocated) ' +
      'directly; call auxiliary_device_uninit() only after init returned 0.',
    section: '§3.2, §5 B2',
  }),
  'leak-initialized': entry('leak-initialized', {
    bugClass: 'B3',
    machine: 'device',
    when: 'At the end, an initialized device was never released (e.g. auxiliary_device_add() failed and the error path returned without auxiliary_device_uninit()).',
    kernelSymptom:
      'No WARN. The initial reference is never dropped, so release never runs: kmemleak reports the container ' +
      `and/or the name set by dev_set_name (${KMEMLEAK}), and release-owned resources (IDA id, OF node) leak too.`,
    detection: ['kmemleak'],
    fix:
      'Once auxiliary_device_init() succeeded, every exit must call auxiliary_device_uninit(): on add failure call it and ' +
      'bail out; on teardown call auxiliary_device_delete() then auxiliary_device_uninit().',
    section: '§1.3, §2.2, §5 B3',
  }),
  'memory-leak': entry('memory-leak', {
    bugClass: 'B12',
    machine: 'device',
    when: 'At the end, an allocation is neither freed nor owned by a live device (e.g. init failed and the container was never freed, or the release callback does not free it).',
    kernelSymptom:
      `No WARN for a plain leak; kmemleak reports the container (${KMEMLEAK}). (With no release callback at all ` +
      'the final put also WARNs; that is reported as missing-release.)',
    detection: ['kmemleak'],
    fix:
      'Free the container with kfree() if auxiliary_device_init() failed or was never called; after a successful init, ' +
      'free it in the release callback.',
    section: '§1.2, §2.3, §3.6, §5 B12',
  }),
  'double-free': entry('double-free', {
    bugClass: 'B4',
    machine: 'device',
    when:
      'An allocation is freed twice (e.g. the release callback frees it and the error path frees it again after auxiliary_device_uninit()), ' +
      'or devm_kzalloc()ed memory is kfree()d (devres frees it again when the parent driver unbinds).',
    kernelSymptom:
      `${KASAN_DOUBLE_FREE} (older kernels: "double-free or invalid-free"). A kfree() of devm memory: "BUG: KASAN: invalid-free in ..." ` +
      'at the kfree (the pointer is inside devres\'s node), which then frees nothing; without KASAN the slab freelist is corrupt.',
    detection: ['kasan'],
    fix:
      'After auxiliary_device_uninit() the release callback owns the container: do not kfree() it (or anything else ' +
      'release frees) in the error path as well. Give devm_kzalloc()ed memory back with devm_kfree(), never kfree().',
    section: '§3.8, §5 B4',
  }),
  'ida-double-free': entry('ida-double-free', {
    bugClass: 'B4',
    machine: 'ida',
    when: 'ida_free() of an id that is not currently allocated (e.g. freed both in the release callback and in the error path).',
    kernelSymptom: 'WARN "ida_free called for id=%d which is not allocated."',
    detection: ['warn'],
    fix:
      'Free each id in exactly one place: in the release callback if the device owns it, otherwise in the unregister ' +
      'or error path, never both.',
    section: '§4, §5 B4',
  }),
  'ida-free-reallocated': entry('ida-free-reallocated', {
    bugClass: 'B4',
    machine: 'ida',
    when: 'ida_free() of an id that was freed and re-allocated to another owner in the meantime, which frees that owner\'s id.',
    kernelSymptom:
      'nothing: silent. The second ida_free releases the other owner\'s id; a later allocation hands out a duplicate, ' +
      `so a later add fails with -EEXIST ("adding auxiliary device failed!: -17") and a ${SYSFS_DUP} stack dump.`,
    detection: ['silent', 'warn'],
    fix:
      'Free each id exactly once and forget it afterwards: free it either in the release callback or in the ' +
      'unregister/error path, never both, and never from a stale copy of the id.',
    section: '§4, §5 B4, §5 B16',
  }),
  'id-leak': entry('id-leak', {
    bugClass: 'B5',
    machine: 'ida',
    when: 'At the end, an id is allocated but no live device or owner holds it.',
    kernelSymptom:
      'nothing: silent. No runtime WARN; ids grow until ida_alloc_range() returns -ENOSPC; ida_is_empty() is false at ' +
      'teardown (only a driver\'s own WARN_ON would notice) and ida_destroy() discards the ids without a WARN.',
    detection: ['silent'],
    fix:
      'Free every allocated id exactly once: in the release callback when it was stored in a device whose init ' +
      'succeeded, otherwise directly in the error path (e.g. when auxiliary_device_init() failed).',
    section: '§4, §5 B5',
  }),
  'uninit-without-delete': entry('uninit-without-delete', {
    bugClass: 'B6',
    machine: 'device',
    when: 'While the device is still added, a put or uninit drops the caller\'s own count (1 from init + its gets - its puts) to 0.',
    kernelSymptom:
      'nothing: silent at the put. The bus-klist and parent-klist references keep the count above 0, so release never ' +
      'runs; /sys/bus/auxiliary/devices/<name> stays and the driver stays bound. A further put drops one of the bus\'s ' +
      'references (kref 3 → 2 → 1), and a delete then drops the last ones midway through device_del, which goes on ' +
      `using the device (${KASAN_UAF} in device_release_driver_internal, B11). Re-adding the same name gives ` +
      `-EEXIST and ${SYSFS_DUP}; freeing the memory behind the core's back gives ${KASAN_UAF} later; ` +
      'lockdep/DEBUG_MUTEXES may complain about the destroyed sysfs.lock.',
    detection: ['silent', 'warn', 'kasan'],
    fix:
      'Unregister an added device with auxiliary_device_delete() first and auxiliary_device_uninit() second ' +
      '(auxiliary_device_destroy() does both for a device from auxiliary_device_create()).',
    section: '§1.4, §3.4, §5 B6',
  }),
  'double-delete': entry('double-delete', {
    bugClass: 'B7',
    machine: 'device',
    when: 'auxiliary_device_delete() on a device that is already deleted (also destroy twice, or destroy of a devm-created device).',
    kernelSymptom:
      'device_del has no guard: it re-runs teardown on cleared state (kobj->sd is NULL, the parent-klist node was ' +
      `detached), so expect a NULL-pointer oops; the repeated put_device(parent) gives ${REFCOUNT_UNDERFLOW} on the parent.`,
    detection: ['oops', 'warn'],
    fix:
      'Call auxiliary_device_delete() exactly once per successful add, and never destroy a device that ' +
      'devm_auxiliary_device_create() already manages.',
    section: '§3.5, §5 B7',
  }),
  'delete-unadded': entry('delete-unadded', {
    bugClass: 'B8',
    machine: 'device',
    when: 'auxiliary_device_delete() on a device whose add failed or never ran.',
    kernelSymptom:
      'dev->p is NULL (freed by the failed device_add, or never allocated) and kill_device() dereferences it: ' +
      'NULL-pointer oops.',
    detection: ['oops'],
    fix:
      'Call auxiliary_device_delete() only after auxiliary_device_add() returned 0; when add fails, unwind with ' +
      'auxiliary_device_uninit() alone.',
    section: '§3.4, §3.5, §5 B8',
  }),
  'add-uninitialized': entry('add-uninitialized', {
    bugClass: 'B9',
    machine: 'device',
    when: 'auxiliary_device_add() before a successful auxiliary_device_init().',
    kernelSymptom:
      `Returns -EINVAL. WARN ${KOBJ_GET_UNINIT} (and ${REFCOUNT_ADD_ON_ZERO}), then ` +
      '"kobject \'%s\' (%p): tried to add an uninitialized object, something is seriously wrong." with a stack dump, ' +
      `then device_add's final put adds WARN ${KOBJ_PUT_UNINIT} and ${REFCOUNT_UNDERFLOW}; ` +
      `the name set by dev_set_name leaks (kmemleak: ${KMEMLEAK}).`,
    detection: ['warn', 'kmemleak'],
    fix:
      'Call auxiliary_device_init() and check that it returned 0 before auxiliary_device_add(); if init failed, ' +
      'kfree() the container instead of adding it.',
    section: '§3.2, §3.4, §5 B9',
  }),
  'double-add': entry('double-add', {
    bugClass: 'B10',
    machine: 'device',
    when: 'auxiliary_device_add() on a device that is already added.',
    kernelSymptom:
      `Returns -EEXIST with ${SYSFS_DUP} and a stack dump; the unwind frees dev->p of the live device. ` +
      'CONFIG_DEBUG_LIST flags the double list add only when the device is the tail of devices_kset\'s list, otherwise ' +
      `the list is silently corrupted and reported later ("list_del corruption"); then ${KASAN_UAF} on the freed dev->p.`,
    detection: ['warn', 'kasan'],
    fix:
      'Call auxiliary_device_add() once per device; to register again, delete and uninit it, let release free it, ' +
      'then allocate and init a fresh one.',
    section: '§3.4, §5 B10',
  }),
  'use-after-release': entry('use-after-release', {
    bugClass: 'B11',
    machine: 'device',
    when: 'Any operation on, or field read of, a device whose memory was released (including a second uninit, or reading auxdev->id after the final uninit).',
    kernelSymptom:
      `${KASAN_UAF}; if the slot was reused meanwhile, WARN ${REFCOUNT_UNDERFLOW}. ` +
      'CONFIG_DEBUG_KOBJECT_RELEASE delays the release by 1-4 s, which makes code that assumes a synchronous release fail visibly.',
    detection: ['kasan', 'warn'],
    fix:
      'Treat the device as gone after your last put: copy what you still need (e.g. the id for ida_free) before ' +
      'auxiliary_device_uninit(), and call uninit exactly once.',
    section: '§3.2, §5 B11',
  }),
  'missing-release': entry('missing-release', {
    bugClass: 'B12',
    machine: 'device',
    when: 'The refcount reaches 0 and no release callback is set (dev.release and dev.type->release are both NULL).',
    kernelSymptom:
      'WARN with stack trace at the final put: "Device \'%s\' does not have a release() function, it is broken and must ' +
      'be fixed. See Documentation/core-api/kobject.rst." Only dev->p and the name are freed; kmemleak reports the ' +
      `container (${KMEMLEAK}).`,
    detection: ['warn', 'kmemleak'],
    fix:
      'Set dev.release before auxiliary_device_init() to a callback that frees the container and the resources it ' +
      'owns (e.g. the id), or use auxiliary_device_create(), which installs one.',
    section: '§3.6, §5 B12',
  }),
  'free-outside-release': entry('free-outside-release', {
    bugClass: 'B18',
    machine: 'device',
    when:
      'The container of a device that was initialized is freed by anyone but its release callback after the caller\'s last put: ' +
      'an "empty" release callback and a kfree() after auxiliary_device_uninit(), or a devm_kzalloc()ed container that devres frees when the parent driver unbinds.',
    kernelSymptom:
      'Silent while the release runs at the last put. But the release may run later: another holder (an open sysfs file, a uevent, ' +
      'a driver\'s get_device) delays it, and with CONFIG_DEBUG_KOBJECT_RELEASE it always runs 1-4 s later: ' +
      `"kobject: '%s' (%p): kobject_release, parent %p (delayed %ld)" then ${KASAN_UAF} in the delayed kobject_cleanup.`,
    detection: ['silent', 'kasan'],
    fix:
      'Free the container only in its release callback (container_of(dev, struct foo, adev.dev), then kfree), allocate it with ' +
      'kzalloc(), not devm_kzalloc(), and never free it after auxiliary_device_uninit(). Documentation/core-api/kobject.rst: ' +
      'the kobject must persist until its release method is called; an "empty" release is wrong.',
    section: '§3.2, §3.9, §5 B18; model.md §4.6',
  }),
  'driver-incomplete': entry('driver-incomplete', {
    bugClass: 'B13',
    machine: 'driver',
    when: 'An auxiliary driver is registered without probe or without id_table.',
    kernelSymptom:
      'WARN_ON splat (stack trace) in __auxiliary_driver_register and -EINVAL; probe is checked before id_table.',
    detection: ['warn'],
    fix:
      'Set both probe and id_table (terminated by an entry with an empty name) before auxiliary_driver_register().',
    section: '§1.9, §5 B13',
  }),
  'unregister-unregistered': entry('unregister-unregistered', {
    bugClass: 'B14',
    machine: 'driver',
    when: 'auxiliary_driver_unregister() on a driver that is not registered (e.g. after its register failed).',
    kernelSymptom:
      'WARN "Unexpected driver unregister!" when the register failed before driver_register (probe/id_table WARN_ON, ' +
      'kasprintf). When the failure was inside driver_register: possibly no WARN, use of the freed drv->p and a second ' +
      `kfree of driver.name: ${KASAN_UAF} and ${KASAN_DOUBLE_FREE}.`,
    detection: ['warn', 'kasan'],
    fix:
      'Call auxiliary_driver_unregister() only if auxiliary_driver_register() returned 0; on a failed register just ' +
      'return its error.',
    section: '§1.9, §5 B14',
  }),
  'reference-leak': entry('reference-leak', {
    bugClass: 'B15',
    machine: 'device',
    when: 'A reference taken with get_device() or a find helper (auxiliary_find_device) is never put.',
    kernelSymptom:
      'No WARN; the stale reference keeps the count above 0, so the device can never be released; kmemleak ' +
      `eventually reports the container (${KMEMLEAK}).`,
    detection: ['kmemleak'],
    fix:
      'Balance every get_device() and every device returned by auxiliary_find_device() with put_device(&adev->dev) ' +
      'once you are done with it.',
    section: '§1.10, §3.2, §5 B15',
  }),
  'get-uninitialized': entry('get-uninitialized', {
    bugClass: 'B2',
    machine: 'device',
    when: 'get_device() on a device whose auxiliary_device_init() never succeeded.',
    kernelSymptom:
      `WARN ${KOBJ_GET_UNINIT} and the increment still happens; on the zeroed count also WARN_ONCE ` +
      `${REFCOUNT_ADD_ON_ZERO} and the counter saturates.`,
    detection: ['warn'],
    fix:
      'Take references only on a device whose auxiliary_device_init() returned 0; before that the container is plain ' +
      'memory owned by the caller.',
    section: '§3.2, §5 B2',
  }),
  'double-init': entry('double-init', {
    bugClass: 'B17',
    machine: 'device',
    when: 'auxiliary_device_init() on a device that is already initialized (e.g. a retry loop after a failed add).',
    kernelSymptom:
      'pr_err "kobject (%p): tried to init an initialized object, something is seriously wrong." plus a stack dump ' +
      '(not a WARN); the object is re-initialized with the count reset to 1, so references taken before are lost and ' +
      `release may run while they are still in use: later ${KASAN_UAF}.`,
    detection: ['warn', 'kasan'],
    fix:
      'Initialize each device once; to retry after a failed add, auxiliary_device_uninit() it (release frees it) and ' +
      'allocate and init a fresh container.',
    section: '§3.1, §5 B17',
  }),
  'double-register': entry('double-register', {
    bugClass: 'B19',
    machine: 'driver',
    when: 'auxiliary_driver_register() on a driver that is already registered.',
    kernelSymptom:
      'pr_err "Error: Driver \'%s\' is already registered, aborting..." and -EBUSY; but __auxiliary_driver_register() ' +
      'has already replaced driver.name with a new kasprintf and frees that one on the error: the registered driver ' +
      `keeps a freed name, and auxiliary_driver_unregister() frees it again: ${KASAN_DOUBLE_FREE}.`,
    detection: ['warn', 'kasan'],
    fix: 'Register each auxiliary_driver once (module_auxiliary_driver, or a flag set when register returned 0).',
    section: '§1.9, §3.9, §5 B19',
  }),
  'wrong-error-check': entry('wrong-error-check', {
    bugClass: 'B20',
    machine: 'checker',
    when:
      'A pointer is tested for failure against the wrong convention: IS_ERR() (or PTR_ERR_OR_ZERO(), IS_ERR_VALUE()) on what a ' +
      'NULL-returning call returned, or only a NULL test on what an ERR_PTR-returning call returned; its failure passes the test.',
    kernelSymptom:
      'Nothing at the test: IS_ERR(NULL) is false and an error pointer is not NULL (include/linux/err.h IS_ERR), so the failure ' +
      'is taken for success and the code goes on with NULL or with an error pointer. The first dereference is an oops ' +
      '("BUG: kernel NULL pointer dereference", or "BUG: unable to handle page fault for address" just below the top of the ' +
      'address space for an error pointer); PTR_ERR_OR_ZERO(NULL) returns 0, so a caller is told the call succeeded.',
    detection: ['silent', 'oops'],
    fix:
      'Test with what the call returns on failure: `if (!p)` for a NULL-returning call (kzalloc, auxiliary_device_create), ' +
      '`if (IS_ERR(p))` for an ERR_PTR-returning one, IS_ERR_OR_NULL() only where both can come back.',
    section: '§1.5, §1.6, §5 B20',
  }),
  'null-device': entry('null-device', {
    bugClass: 'B21',
    machine: 'checker',
    when:
      'auxiliary_device_delete(), auxiliary_device_uninit() or auxiliary_device_destroy() is given a device pointer the path knows ' +
      'is NULL (a create or allocation that failed, a member of a zeroed struct never set).',
    kernelSymptom:
      'delete: device_del(&auxdev->dev) reads dev->parent first, a NULL-pointer oops (include/linux/auxiliary_bus.h ' +
      'auxiliary_device_delete; drivers/base/core.c device_del). uninit: mutex_destroy(&auxdev->sysfs.lock) then ' +
      'put_device(&auxdev->dev) (include/linux/auxiliary_bus.h auxiliary_device_uninit); put_device(NULL) does nothing ' +
      '(drivers/base/core.c put_device), but with CONFIG_DEBUG_MUTEXES mutex_destroy reads the lock ' +
      '(DEBUG_LOCKS_WARN_ON(mutex_is_locked(lock)), kernel/locking/mutex-debug.c), a NULL-pointer oops at the offset of ' +
      'sysfs.lock; without it nothing happens. destroy (newer kernels) is delete then uninit: the delete\'s oops.',
    detection: ['oops'],
    fix:
      'Unwind only what was made: a failed create or allocation goes to a label past the delete/uninit of that device, and ' +
      'a teardown tests a member that may never have been set before handing it to the bus.',
    section: '§1.4, §3.5, §5 B21',
  }),
  'null-dereference': entry('null-dereference', {
    bugClass: 'B21',
    machine: 'checker',
    when:
      'A release callback (or a devres action) dereferences a member the path knows is NULL: the device was released ' +
      'half-built, before the code set that member (a zeroed allocation\'s member never stored).',
    kernelSymptom:
      '"BUG: kernel NULL pointer dereference" (an oops) inside the release callback, run by the put that dropped the last ' +
      'reference (drivers/base/core.c device_release). kfree(NULL) is not one: kfree() ignores NULL (mm/slub.c kfree).',
    detection: ['oops'],
    fix:
      'Make the release tolerate a half-built device (test the member before dereferencing it; kfree(NULL) needs no test), ' +
      'or set the member before the step whose failure releases the device.',
    section: '§3.6, §5 B21',
  }),
} satisfies { [C in ViolationCode]: ViolationInfo & { code: C } });

// The literal tuple keeps each code's type, which the completeness guard below needs.
const CODES_IN_TABLE_ORDER = [
  'free-after-init',
  'put-uninitialized',
  'leak-initialized',
  'memory-leak',
  'double-free',
  'ida-double-free',
  'ida-free-reallocated',
  'id-leak',
  'uninit-without-delete',
  'double-delete',
  'delete-unadded',
  'add-uninitialized',
  'double-add',
  'use-after-release',
  'missing-release',
  'free-outside-release',
  'driver-incomplete',
  'unregister-unregistered',
  'reference-leak',
  'get-uninitialized',
  'double-init',
  'double-register',
  'wrong-error-check',
  'null-device',
  'null-dereference',
] as const satisfies readonly ViolationCode[];

// Compile-time guard: a code added to the union but not to the list fails to compile here.
type MissingFromList = Exclude<ViolationCode, (typeof CODES_IN_TABLE_ORDER)[number]>;
const listIsComplete: [MissingFromList] extends [never] ? true : never = true;
void listIsComplete;

/**
 * Every code, in the order of model.md §3's table, for tests and docs that iterate them.
 *
 * @example
 * ```ts
 * for (const code of VIOLATION_CODES) console.log(code, VIOLATIONS[code].bugClass);
 * ```
 */
export const VIOLATION_CODES: readonly ViolationCode[] = Object.freeze([...CODES_IN_TABLE_ORDER]);

/**
 * The codes a machine of the model raises (every code but those `auxbus check` judges on its
 * own, `machine: 'checker'`): what the runtime, the explorers and the KUnit cases can produce.
 *
 * @example
 * ```ts
 * MODEL_VIOLATION_CODES.includes('double-free'); // true
 * MODEL_VIOLATION_CODES.includes('wrong-error-check'); // false
 * ```
 */
export const MODEL_VIOLATION_CODES: readonly ViolationCode[] = Object.freeze(VIOLATION_CODES.filter((c) => VIOLATIONS[c].machine !== 'checker'));

/**
 * Tells whether a string (e.g. from a test fixture or CLI flag) is a known violation code.
 *
 * Uses an own-property check so inherited names such as `toString` are not mistaken for codes.
 *
 * @example
 * ```ts
 * isViolationCode('double-free'); // true
 * isViolationCode('toString');    // false
 * ```
 */
export function isViolationCode(s: string): s is ViolationCode {
  return typeof s === 'string' && Object.hasOwn(VIOLATIONS, s);
}

/**
 * Looks a code up; returns undefined for an unknown string.
 *
 * @example
 * ```ts
 * violationInfo('double-init')?.bugClass; // 'B17'
 * violationInfo('nope');                  // undefined
 * ```
 */
export function violationInfo(code: string): ViolationInfo | undefined {
  return isViolationCode(code) ? VIOLATIONS[code] : undefined;
}
