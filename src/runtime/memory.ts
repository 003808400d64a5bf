import type { MemoryContext, MemoryEvent } from '../../machines/index.js';
import type { Kernel } from './kernel.js';
import { KernelObject } from './object.js';
import { tables } from './tables.js';

/**
 * A plain kzalloc'd allocation (one that embeds no auxiliary device): private data, a table, a
 * buffer. Its fields are checked on every access: after kfree, an access is use-after-release.
 * @example
 * const priv = k.kzalloc('priv');
 * priv?.set('irq', 5);
 * k.kfree(priv);
 */
export class Allocation extends KernelObject<MemoryContext, MemoryEvent> {
  private readonly fields = new Map<string, unknown>();

  /** @internal use `Kernel.kzalloc` */
  constructor(kernel: Kernel, readonly label: string) {
    super(kernel, tables.memory);
  }

  describe(): string {
    return `allocation #${this.handle} (${this.label})`;
  }

  /** @internal kfree (`Kernel.kfree`). */
  free(): void {
    this.send({ type: 'KFREE' });
  }

  /** Reads a field (zero-initialised: undefined until set). */
  get(field: string): unknown {
    return this.kernel.call('get', this, field, () => {
      this.send({ type: 'ACCESS', field });
      return this.fields.get(field);
    });
  }

  /** Writes a field. */
  set(field: string, value: unknown): void {
    this.kernel.call('set', this, field, () => {
      this.send({ type: 'ACCESS', field });
      // Like C, a write after kfree still lands (in freed memory): the violation is the finding.
      this.fields.set(field, value);
    });
  }
}
