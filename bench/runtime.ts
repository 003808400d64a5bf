import { Kernel, type AuxDevice } from '../src/index.js';
import { PlainKernel, type PlainDevice } from './plain-device.js';
import { measure, type BenchResult } from './measure.js';

/**
 * create + init + add + delete + uninit of N devices through the machine-driven runtime, against
 * the plain hand-written class in the same run. Target: within 5× (issue 17 item 4; it was 10×
 * while the device stepped its compiled table generically).
 */
export function benchRuntime(n: number): BenchResult[] {
  const plain = measure(`plain class: ${n} device lifecycles`, n, () => {
    const k = new PlainKernel();
    const parent = {};
    const release = (d: PlainDevice) => k.kfree(d);
    for (let i = 0; i < n; i++) {
      const d = k.kzallocDevice()!;
      d.name = 'foo';
      d.id = i;
      d.parent = parent;
      d.release = release;
      d.init();
      d.add('mymod');
      d.delete();
      d.uninit();
    }
    if (k.violations.length !== 0 || k.bus.size !== 0 || k.live.size !== 0) throw new Error('plain baseline misbehaved');
  });
  const model = measure(`machine-driven runtime: ${n} device lifecycles`, n, () => {
    const k = new Kernel();
    k.faults.trace = false; // a long run keeps only the failed calls
    const parent = k.parentDevice('pci0');
    const release = (d: AuxDevice) => k.kfree(d);
    for (let i = 0; i < n; i++) {
      const d = k.kzallocDevice()!;
      d.name = 'foo';
      d.id = i;
      d.parent = parent;
      d.release = release;
      d.init();
      d.add('mymod');
      d.delete();
      d.uninit();
    }
    if (!k.report().clean || k.bus.list().length !== 0) throw new Error('runtime misbehaved');
  });
  model.ratio = model.seconds / plain.seconds;
  model.target = 'within 5× of the plain class';
  model.met = model.ratio <= 5;
  return [plain, model];
}
