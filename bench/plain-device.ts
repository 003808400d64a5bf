/**
 * The baseline of the runtime benchmark: a plain hand-written class with the same semantics as
 * the machine-driven runtime for the calls the benchmark makes (field writes checked against
 * use after release, init's NULL checks, add's name, bus-wide uniqueness and the bus's two
 * references, delete, the final put running the release callback, kfree), and a violation list.
 * No model, no tables: the fastest honest way to write it by hand.
 */
const enum S { Allocated, Initialized, AddFailed, Added, Deleted, Releasing, Released, Freed }

export class PlainKernel {
  readonly bus = new Map<string, PlainDevice>();
  readonly violations: string[] = [];
  steps = 0;
  kzallocDevice(): PlainDevice {
    this.steps++;
    return new PlainDevice(this);
  }
  kfree(d: PlainDevice): void {
    this.steps++;
    if (d.s === S.Freed) this.violations.push('double-free');
    else if (d.s === S.Initialized || d.s === S.AddFailed || d.s === S.Added || d.s === S.Deleted) {
      this.violations.push('free-after-init');
      d.s = S.Freed;
    } else d.s = S.Freed;
  }
}

export class PlainDevice {
  s = S.Allocated;
  refs = 0;
  busRefs = 0;
  private _name: string | null = null;
  private _id = 0;
  private _parent: object | null = null;
  private _release: ((d: PlainDevice) => void) | null = null;
  devName: string | null = null;
  constructor(private readonly k: PlainKernel) {}
  private access(): void {
    this.k.steps++;
    if (this.s === S.Released || this.s === S.Freed) this.k.violations.push('use-after-release');
  }
  set name(v: string) { this.access(); this._name = v; }
  set id(v: number) { this.access(); this._id = v; }
  set parent(v: object) { this.access(); this._parent = v; }
  set release(v: (d: PlainDevice) => void) { this.access(); this._release = v; }
  init(): number {
    this.k.steps++;
    if (this._parent === null || this._name === null) return -22;
    if (this.s !== S.Allocated) { this.k.violations.push('double-init'); return 0; }
    this.s = S.Initialized;
    this.refs = 1;
    return 0;
  }
  add(modname: string): number {
    this.k.steps++;
    if (this.s !== S.Initialized) { this.k.violations.push(this.s === S.Allocated ? 'add-uninitialized' : 'double-add'); return -17; }
    const name = `${modname}.${this._name}.${this._id}`;
    this.devName = name;
    if (this.k.bus.has(name)) { this.s = S.AddFailed; return -17; }
    this.k.bus.set(name, this);
    this.busRefs = 2;
    this.s = S.Added;
    return 0;
  }
  delete(): void {
    this.k.steps++;
    if (this.s !== S.Added) { this.k.violations.push(this.s === S.Deleted ? 'double-delete' : 'delete-unadded'); return; }
    this.k.bus.delete(this.devName!);
    this.busRefs = 0;
    this.s = S.Deleted;
  }
  uninit(): void {
    this.k.steps++;
    if (this.s === S.Allocated) { this.k.violations.push('put-uninitialized'); return; }
    if (this.s === S.Released || this.s === S.Freed) { this.k.violations.push('use-after-release'); return; }
    if (this.s === S.Added && this.refs === 1) this.k.violations.push('uninit-without-delete');
    this.refs--;
    if (this.refs + this.busRefs === 0) {
      if (this._release === null) { this.k.violations.push('missing-release'); this.s = S.Released; return; }
      this.s = S.Releasing;
      this._release(this);
      if (this.s === S.Releasing) this.s = S.Released;
    }
  }
}
