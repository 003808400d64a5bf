/**
 * The baseline of the runtime benchmark: a plain hand-written class with the same semantics as
 * the machine-driven runtime for the calls the benchmark makes (field writes checked against
 * use after release, init's NULL checks, add's name, bus-wide uniqueness and the bus's two
 * references, delete, the final put running the release callback, kfree), with what the
 * runtime's users rely on around them: a violation list, fail-nth fault injection at the same
 * fallible calls (kzalloc, dev_set_name, device_add), and the set of live objects with the step
 * that created each (what a leak report needs). No model, no tables: the fastest honest way to
 * write it by hand.
 */
const enum S { Allocated, Initialized, AddFailed, Added, Deleted, Releasing, Released, Freed }

export class PlainKernel {
  readonly bus = new Map<string, PlainDevice>();
  readonly violations: string[] = [];
  /** Objects a leak report would look at. */
  readonly live = new Set<PlainDevice>();
  steps = 0;
  private fallible = 0;
  /** fail-nth: the fallible call that fails (0: none). */
  failNth = 0;
  shouldFail(): boolean {
    return ++this.fallible === this.failNth;
  }
  kzallocDevice(): PlainDevice | null {
    this.steps++;
    if (this.shouldFail()) return null;
    const d = new PlainDevice(this, this.steps);
    this.live.add(d);
    return d;
  }
  kfree(d: PlainDevice): void {
    this.steps++;
    if (d.s === S.Freed) this.violations.push('double-free');
    else if (d.s === S.Initialized || d.s === S.AddFailed || d.s === S.Added || d.s === S.Deleted) {
      this.violations.push('free-after-init');
      d.s = S.Freed;
      this.live.delete(d);
    } else {
      d.s = S.Freed;
      this.live.delete(d);
    }
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
  constructor(private readonly k: PlainKernel, readonly createdAt: number) {}
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
    if (this.k.shouldFail()) { this.s = S.AddFailed; return -12; }
    const name = `${modname}.${this._name}.${this._id}`;
    this.devName = name;
    if (this.k.shouldFail()) { this.s = S.AddFailed; return -12; }
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
