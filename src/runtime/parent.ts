import { NEG, ParameterError } from '../../machines/index.js';
import { AuxDevice } from './device.js';
import type { Kernel } from './kernel.js';
import { requireLabel } from './labels.js';

/**
 * A parent device (e.g. a PCI function) whose driver creates auxiliary devices. It carries the
 * devres list: managed actions run in reverse order when its driver unbinds (§1.6, §2.3).
 * @example
 * const pdev = k.parentDevice('0000:00:1f.3');
 * k.devmAuxiliaryDeviceCreate(pdev, 'mymod', 'foo');
 * pdev.unbind(); // destroys the device
 */
export class ParentDevice {
  private readonly devres: Array<{ label: string; action: () => void; memory?: AuxDevice }> = [];

  /** @internal use `Kernel.parentDevice` */
  constructor(readonly kernel: Kernel, readonly name: string) {}

  /**
   * `devm_add_action_or_reset(dev, action, data)`: 0, or -ENOMEM after running the action at once.
   */
  devmAddActionOrReset(label: string, action: () => void): number {
    requireLabel(label, 'devmAddActionOrReset(label)');
    if (typeof action !== 'function') throw new ParameterError('devmAddActionOrReset(action)', action, 'a function');
    return this.kernel.call('devm_add_action_or_reset', this, label, () => {
      if (this.kernel.faults.shouldFail('devres')) {
        action();
        return NEG.ENOMEM;
      }
      this.devres.push({ label, action });
      return 0;
    });
  }

  /**
   * @internal A managed resource that cannot fail to register (devm_kzalloc's own devres entry);
   * `memory`: the devm_kzalloc()ed container it frees, for devm_kfree().
   */
  manage(label: string, action: () => void, memory?: AuxDevice): void {
    this.devres.push({ label, action, ...(memory ? { memory } : {}) });
  }

  /**
   * `devm_kfree(dev, p)`: devres frees a container devm_kzalloc()ed on this parent now, and not
   * again at unbind. Of memory this parent's devres does not hold (never devm, or already freed
   * by devres) the kernel WARNs and frees nothing (drivers/base/devres.c devm_kfree): false.
   * @example
   * const adev = k.devmKzallocDevice(pdev, 'foo')!;
   * pdev.devmKfree(adev); // true: freed, and pdev.unbind() will not free it again
   */
  devmKfree(adev: AuxDevice): boolean {
    this.kernel.requireOwn(adev, AuxDevice, 'devmKfree(adev)', 'an AuxDevice (k.devmKzallocDevice(parent))');
    return this.kernel.call('devm_kfree', this, adev.label, () => {
      const at = this.devres.findIndex((d) => d.memory === adev);
      if (at < 0) {
        this.kernel.printk({ level: 'warn', text: 'WARNING: at drivers/base/devres.c devm_kfree: <p> is not on the devres list of <dev>' }, { p: adev.label, dev: this.name });
        return false;
      }
      this.devres.splice(at, 1)[0]!.action();
      return true;
    });
  }

  /** Managed actions still pending, oldest first. */
  get pendingDevres(): readonly string[] {
    return this.devres.map((d) => d.label);
  }

  /** The parent's driver unbinds: `devres_release_all` runs the managed actions, newest first. */
  unbind(): void {
    this.kernel.call('unbind', this, undefined, () => {
      // devres_release_all() moves the list onto a local one first (drivers/base/devres.c:
      // remove_nodes() onto `todo`, then release_nodes()): an action that registers another one
      // during the unbind adds it to the device's now empty list, released at a later unbind (or
      // the device's last put), not in this loop.
      const now = this.devres.splice(0);
      while (now.length > 0) now.pop()!.action();
    });
  }

  describe(): string {
    return `parent device ${this.name}`;
  }

  /**
   * @internal What a later unbind depends on: the managed actions pending, by label, in order;
   * one entry of each label in `omit` left out (actions whose outcome a caller judges apart).
   */
  modelKey(omit: readonly string[] = []): string {
    const left = [...omit];
    const labels: string[] = [];
    for (const d of this.devres) {
      const at = left.indexOf(d.label);
      if (at >= 0) left.splice(at, 1);
      else labels.push(d.label);
    }
    return `${this.name}[${labels.join(',')}]`;
  }
}
