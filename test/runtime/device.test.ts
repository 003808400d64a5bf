import { describe, expect, it } from 'vitest';
import { Kernel, ViolationError, type KernelMode } from '../../src/index.js';

describe('AuxDevice: adev->id = id and id ownership', () => {
  for (const mode of ['audit', 'strict'] as const satisfies readonly KernelMode[]) {
    it(`model.md §4.2, B11 (${mode}): writing an allocated id into a freed container is use-after-release and moves no ownership, so a live device can still claim it`, () => {
      const k = new Kernel({ mode });
      const ida = k.idaInit();
      const pdev = k.parentDevice('pci0');
      const dead = k.kzallocDevice('dead')!;
      k.kfree(dead);
      const id = ida.alloc();
      const write = () => { dead.id = id; };
      if (mode === 'strict') expect(write).toThrow(ViolationError);
      else write();
      // The id is still the code's: a live device takes it over, and its release frees it.
      const live = k.kzallocDevice('live')!;
      live.name = 'foo';
      live.parent = pdev;
      live.id = id;
      live.release = (d) => { ida.free(d.id); k.kfree(d); };
      expect(live.init()).toBe(0);
      live.uninit();
      const r = k.report();
      expect(r.violations.map((f) => f.code)).toEqual(['use-after-release']);
      expect(r.leaks).toEqual([]);
      expect(ida.allocated).toEqual([]);
    });
  }

  it('model.md §4.4: adev->id = id on a live device makes the id the device\'s, so the code need not free it when the release does', () => {
    const k = new Kernel();
    const ida = k.idaInit();
    const adev = k.kzallocDevice('foo')!;
    adev.id = ida.alloc();
    adev.name = 'foo';
    adev.parent = k.parentDevice('pci0');
    adev.release = (d) => { ida.free(d.id, d); k.kfree(d); };
    expect(adev.init()).toBe(0);
    adev.uninit();
    expect(k.report().clean).toBe(true);
  });
});
