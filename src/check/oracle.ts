/**
 * The choices one path makes, enumerated by re-running from the start (stateless search: nothing
 * of a path's state is kept, only its choices). A run follows `prefix` and then takes the first
 * alternative (success, the branch the code expects) of every new choice. `children()` gives the
 * prefixes of the paths that differ from this one in one more choice after the prefix: run in a
 * queue, every combination is run once, fewest deviations first — all single failures of a
 * function before any pair, so a path bound cuts the rarest combinations, not the last calls'.
 * @example
 * const queue: number[][] = [[]];
 * while (queue.length) { const o = new Oracle(queue.shift()!); run(o); queue.push(...o.children()); }
 */
export class Oracle {
  private readonly taken: number[] = [];
  private readonly alternatives: number[] = [];

  constructor(private readonly prefix: readonly number[]) {}

  /** Set by {@link Oracle.expectFromHere}: later choices take the first alternative, unrecorded. */
  private fixed = false;

  /**
   * From here on the path takes the first alternative of every choice (success, the branch the
   * code expects) and makes no choice of its own: nothing after this point branches into other
   * paths. A create and its teardown (run.ts `runPair`) vary the create; the teardown runs as it
   * expects to, its own branches being its own run's.
   */
  expectFromHere(): void {
    this.fixed = true;
  }

  /** Which of `n` alternatives this path takes at its next choice. */
  pick(n: number): number {
    if (this.fixed) return 0;
    const i = this.taken.length;
    const choice = i < this.prefix.length ? Math.min(this.prefix[i]!, n - 1) : 0;
    this.taken.push(choice);
    this.alternatives.push(n);
    return choice;
  }

  /**
   * Whether the path is still replaying its prefix (the choices an earlier path made up to where
   * this one deviates): until then it is that path, state for state.
   */
  get replaying(): boolean {
    return this.taken.length < this.prefix.length;
  }

  /** The choices this path made so far. */
  get choices(): readonly number[] {
    return this.taken;
  }

  /** How many choices this path made. */
  get depth(): number {
    return this.taken.length;
  }

  /**
   * The prefixes of the paths one deviation away after this path's prefix: at each later choice,
   * each other alternative. At most `limit` of them (in order).
   */
  children(limit = Number.POSITIVE_INFINITY): number[][] {
    const out: number[][] = [];
    for (let i = this.prefix.length; i < this.taken.length && out.length < limit; i++) {
      for (let a = 1; a < this.alternatives[i]! && out.length < limit; a++) out.push([...this.taken.slice(0, i), a]);
    }
    return out;
  }
}
