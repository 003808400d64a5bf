/**
 * The choices one path makes, enumerated depth-first by re-running from the start (stateless
 * search: nothing of a path's state is kept, only its choices). A run follows `prefix` and then
 * takes the first alternative of every new choice; `next()` gives the prefix of the next path, or
 * null when every combination has been run.
 * @example
 * let prefix: number[] | null = [];
 * while (prefix) { const o = new Oracle(prefix); run(o); prefix = o.next(); }
 */
export class Oracle {
  private readonly taken: number[] = [];
  private readonly alternatives: number[] = [];

  constructor(private readonly prefix: readonly number[]) {}

  /** Which of `n` alternatives this path takes at its next choice. */
  pick(n: number): number {
    const i = this.taken.length;
    const choice = i < this.prefix.length ? Math.min(this.prefix[i]!, n - 1) : 0;
    this.taken.push(choice);
    this.alternatives.push(n);
    return choice;
  }

  /** How many choices this path made. */
  get depth(): number {
    return this.taken.length;
  }

  /** The prefix of the next path in depth-first order, or null after the last. */
  next(): number[] | null {
    for (let i = this.taken.length - 1; i >= 0; i--) {
      if (this.taken[i]! + 1 < this.alternatives[i]!) return [...this.taken.slice(0, i), this.taken[i]! + 1];
    }
    return null;
  }
}
