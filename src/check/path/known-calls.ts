import { kernelMacros } from '../macros/data.js';
/**
 * The C functions the path interpreter knows by name: allocations and frees, calls that neither
 * change the lifecycle nor keep a pointer, and calls that keep a pointer they are given (what they
 * were handed is reachable from elsewhere afterwards, so it is not a leak).
 */

/**
 * The functions named, and the kernel's macros that allocate through one of them (`kzalloc_obj`,
 * `kmalloc_objs`, `kvzalloc_flex`, ... from the macro data, see ../macros/data.ts).
 */
function withAliases(names: string[]): Set<string> {
  const set = new Set(names);
  for (const [macro, fn] of kernelMacros().allAliases()) if (set.has(fn)) set.add(macro);
  return set;
}

/** The kernel's u32 bound: auxdev->id and the IDA ranges. */
export const U32_MAX = 2 ** 32 - 1;

export const ALLOC = withAliases(['kzalloc', 'kmalloc', 'kcalloc', 'kvzalloc', 'kvmalloc', 'kvcalloc', 'kmalloc_array', 'kzalloc_node', 'kmalloc_node', 'kmemdup']);
export const DEVM_ALLOC = withAliases(['devm_kzalloc', 'devm_kmalloc', 'devm_kcalloc', 'devm_kmemdup', 'devm_kmalloc_array']);
/** The allocations that zero what they return (a member never stored is NULL, not garbage). */
export const ZEROING = withAliases(['kzalloc', 'kcalloc', 'kvzalloc', 'kvcalloc', 'kzalloc_node', 'devm_kzalloc', 'devm_kcalloc']);
export const FREE = new Set(['kfree', 'kvfree', 'kfree_sensitive', 'kvfree_sensitive', 'kfree_const']);
/** Calls that neither change the lifecycle nor keep a pointer they are given. */
export const INERT = new Set([
  'dev_err', 'dev_warn', 'dev_info', 'dev_dbg', 'dev_notice', 'dev_crit', 'dev_emerg', 'dev_alert', 'dev_vdbg',
  'dev_err_ratelimited', 'dev_warn_ratelimited', 'dev_info_ratelimited', 'dev_dbg_ratelimited', 'dev_err_once', 'dev_warn_once',
  'pr_err', 'pr_warn', 'pr_info', 'pr_debug', 'pr_notice', 'pr_crit', 'pr_emerg', 'pr_alert', 'pr_cont', 'printk',
  'pr_err_ratelimited', 'pr_warn_ratelimited', 'pr_warn_once', 'pr_err_once', 'pr_info_once', 'netdev_err', 'netdev_warn',
  'netdev_info', 'netdev_dbg', 'pci_err', 'pci_warn', 'pci_info', 'pci_dbg', 'ibdev_err', 'ibdev_warn', 'ibdev_dbg',
  'snprintf', 'scnprintf', 'sprintf', 'vsnprintf', 'strscpy', 'strlcpy', 'strncpy', 'strcpy', 'memcpy', 'memset', 'memmove',
  'strcmp', 'strncmp', 'strlen', 'memcmp', 'sizeof', 'dev_name', 'dev_to_node', 'mutex_lock', 'mutex_unlock', 'mutex_init',
  'mutex_destroy', 'spin_lock', 'spin_unlock', 'spin_lock_irqsave', 'spin_unlock_irqrestore', 'spin_lock_init', 'lockdep_assert_held',
  'might_sleep', 'synchronize_rcu', 'WARN', 'WARN_ONCE', 'static_assert', 'BUILD_BUG_ON', 'kfree_const_check',
]);
/**
 * A device's driver data: `dev_set_drvdata(dev, p)` stores `dev->driver_data = p` and
 * `dev_get_drvdata(dev)` reads it (include/linux/device.h); the platform_, pci_ and auxiliary_
 * forms pass the `struct device` inside their device (`via: 'dev'`). What a probe stores there is
 * what its remove finds.
 */
export const DRVDATA: Readonly<Record<string, { op: 'set' | 'get'; via: '' | 'dev' }>> = {
  dev_set_drvdata: { op: 'set', via: '' },
  dev_get_drvdata: { op: 'get', via: '' },
  platform_set_drvdata: { op: 'set', via: 'dev' },
  platform_get_drvdata: { op: 'get', via: 'dev' },
  pci_set_drvdata: { op: 'set', via: 'dev' },
  pci_get_drvdata: { op: 'get', via: 'dev' },
  auxiliary_set_drvdata: { op: 'set', via: 'dev' },
  auxiliary_get_drvdata: { op: 'get', via: 'dev' },
};

/** Calls that keep a pointer they are given (it is reachable from somewhere else afterwards). */
export const KEEPS = new Set(['dev_set_drvdata', 'auxiliary_set_drvdata', 'platform_set_drvdata', 'pci_set_drvdata', 'list_add', 'list_add_tail', 'xa_store', 'xa_alloc', 'idr_alloc', 'hlist_add_head']);

/** Whether a name is one of the calls the model follows. */
export function isTracked(name: string): boolean {
  return ALLOC.has(name) || DEVM_ALLOC.has(name) || FREE.has(name) || name.startsWith('ida_') || name.startsWith('auxiliary_device_')
    || name === '__auxiliary_device_add' || name === 'put_device' || name === 'get_device' || name.startsWith('devm_auxiliary_device_create')
    || name === 'devm_add_action_or_reset' || name === 'devm_add_action';
}

/**
 * Names of container_of wrappers by the kernel's convention: `to_foo`, `adev_to_foo`,
 * `auxiliary_dev_to_foo_dev`. Given one pointer into a known object, the result is read as that
 * object's start.
 */
export const CONTAINER_HELPER = /(^|_)to_[a-z0-9_]+$/;
