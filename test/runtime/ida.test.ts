import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/index.js';

describe('Ida.free: ids that are negative as an int (§4, lib/idr.c fc82bbf4dede)', () => {
  for (const id of [-1, -12, -(2 ** 31), 2 ** 31, 2 ** 32 - 1]) {
    it(`§4 ida_free(${id}) returns silently: no finding, no WARN, the allocated ids unchanged`, () => {
      const k = new Kernel({ mode: 'strict' });
      const ida = k.idaInit();
      expect(ida.alloc()).toBe(0);
      ida.free(id);
      expect(k.log).toEqual([]);
      expect(k.violations).toEqual([]);
      expect(ida.allocated).toEqual([0]);
    });
  }

  it('§4 free(alloc()) is safe when the allocation failed: ida_free of the -ENOMEM it returned does nothing', () => {
    const k = new Kernel();
    const ida = k.idaInit();
    k.faults.failNth(1);
    const id = ida.alloc();
    expect(id).toBe(-12);
    ida.free(id);
    expect(k.report().clean).toBe(true);
  });

  it('§4, B4: ida_free(INT_MAX), an unsigned id an IDA could hand out, is still checked: not allocated, so the WARN', () => {
    const k = new Kernel();
    const ida = k.idaInit();
    ida.free(2 ** 31 - 1);
    expect(k.violations.map((f) => f.code)).toEqual(['ida-double-free']);
    expect(k.log.map((l) => l.text)).toEqual(['ida_free called for id=2147483647 which is not allocated.']);
  });
});
