import { createRequire } from 'node:module';
import {
  byName, freeClasses, guardClasses, loopMacros, sizeofOnlyArguments, type GuardDefiner, type KernelMacroData, type LoopInfo,
} from './derive.js';
import { scanHeader } from './tokens.js';

/**
 * What the checker knows of the kernel's macros: the committed data file
 * (src/check/data/kernel-macros.json, written by `npm run macros` from a kernel tree's headers),
 * plus what a checked file defines itself (its own `#define`s of loops and sizeof-only macros,
 * its `DEFINE_FREE` and `DEFINE_GUARD` lines), read the same way.
 */

/** A scope macro (`scoped_guard`, `scoped_cond_guard`, `scoped_class`): see {@link KernelMacroData.scopes}. */
export type ScopeMacro = KernelMacroData['scopes'][string];

const require = createRequire(import.meta.url);

/** The macro knowledge one file is checked with. */
export class MacroContext {
  constructor(
    private readonly sizeofOnlyArgs: ReadonlyMap<string, readonly number[]>,
    private readonly loops: ReadonlyMap<string, { cursors: readonly number[] }>,
    private readonly scopes: ReadonlyMap<string, ScopeMacro>,
    private readonly declarators: ReadonlyMap<string, { class: number; var?: number }>,
    private readonly guards: ReadonlyMap<string, boolean>,
    private readonly frees: ReadonlyMap<string, string | null>,
    private readonly takes: ReadonlyMap<string, { param: number; returns: boolean }>,
    private readonly aliases: ReadonlyMap<string, string>,
    private readonly guardDefiners: ReadonlyMap<string, GuardDefiner>,
    private readonly freeDefiners: ReadonlyMap<string, { name: number; free: number }>,
    /** Where the kernel's part came from (`6.12.118`). */
    readonly tree: string,
  ) {}

  /** The arguments of macro `name` that C never evaluates (they only feed sizeof / typeof). */
  sizeofOnly(name: string): readonly number[] | undefined {
    return this.sizeofOnlyArgs.get(name);
  }

  /** Whether `name` is a loop macro, and which of its arguments it assigns each turn. */
  loop(name: string): { cursors: readonly number[] } | undefined {
    return this.loops.get(name);
  }

  /** Whether `name` is a scope macro (a `for` that runs its body once, holding a guard or class). */
  scope(name: string): ScopeMacro | undefined {
    return this.scopes.get(name);
  }

  /** Whether `name(...)(args)` declares a class instance (`guard(mutex)(&m)`, `CLASS(fd, f)(n)`). */
  declarator(name: string): { class: number; var?: number } | undefined {
    return this.declarators.get(name);
  }

  /** Whether taking guard class `name` may fail (`mutex_try`); undefined for a class no header defines. */
  guardConditional(name: string): boolean | undefined {
    return this.guards.get(name);
  }

  /**
   * The function `__free(name)` calls on its variable: a name, null when the cleanup is not one
   * plain call, undefined when no `DEFINE_FREE` of that name is known.
   */
  freeFunction(name: string): string | null | undefined {
    return this.frees.get(name);
  }

  /** Whether `name(p)` takes the pointer out of `p` leaving NULL (`no_free_ptr`), and returns it too (`return_ptr`). */
  take(name: string): { param: number; returns: boolean } | undefined {
    return this.takes.get(name);
  }

  /** The function macro `name` calls as its value (`kzalloc_obj` → `kzalloc`), if it is one. */
  alias(name: string): string | undefined {
    return this.aliases.get(name);
  }

  /** Every macro that aliases a function: `[macro, function]`. */
  allAliases(): Array<[string, string]> {
    return [...this.aliases];
  }

  /** Whether a file's text may define anything this context would learn (cheap test before scanning it). */
  private mayDefine(text: string): boolean {
    if (/^[ \t]*#[ \t]*define[ \t]+\w+\(/m.test(text)) return true;
    for (const d of [...this.guardDefiners.keys(), ...this.freeDefiners.keys()]) if (text.includes(d)) return true;
    return false;
  }

  /**
   * This context plus what the C text `text` defines itself: its function-like `#define`s that are
   * loops or have sizeof-only arguments (read through the kernel's), its guard and `__free`
   * classes. Returns this context when the file defines none.
   * @example kernelMacros().forFile(text).loop('foo_for_each_port')
   */
  forFile(text: string): MacroContext {
    if (!this.mayDefine(text)) return this;
    const scanned = scanHeader(text, '<file>');
    const defs = byName([scanned]);
    const sizeof = new Map(this.sizeofOnlyArgs);
    if (defs.size > 0) {
      const base = new Map([...this.sizeofOnlyArgs].map(([k, v]) => [k, new Set(v)]));
      for (const [k, v] of sizeofOnlyArguments(defs, base)) if (!this.sizeofOnlyArgs.has(k)) sizeof.set(k, [...v].sort((a, b) => a - b));
    }
    const loops = new Map(this.loops);
    const scopes = new Map(this.scopes);
    if (defs.size > 0) {
      const base = new Map<string, LoopInfo>();
      for (const [k, v] of this.loops) base.set(k, { cursors: [...v.cursors], scope: null });
      for (const [k, v] of this.scopes) base.set(k, { cursors: [], scope: v });
      for (const [k, v] of loopMacros(defs, base)) {
        if (this.loops.has(k) || this.scopes.has(k)) continue;
        if (v.scope) scopes.set(k, v.scope);
        else loops.set(k, { cursors: v.cursors });
      }
    }
    const guards = new Map(this.guards);
    for (const [k, c] of guardClasses(scanned.code, this.guardDefiners)) guards.set(k, c);
    const frees = new Map(this.frees);
    for (const [k, f] of freeClasses(scanned.code, this.freeDefiners)) frees.set(k, f);
    return new MacroContext(sizeof, loops, scopes, this.declarators, guards, frees, this.takes, this.aliases, this.guardDefiners, this.freeDefiners, this.tree);
  }

  /**
   * A context from the data file's content (validated: a malformed file is an error, never a
   * silently empty context).
   */
  static fromData(data: unknown): MacroContext {
    const d = data as Partial<KernelMacroData> | null;
    const fields = ['sizeofOnly', 'loops', 'scopes', 'declarators', 'guards', 'frees', 'takes', 'aliases', 'guardDefiners', 'freeDefiners'] as const;
    if (typeof d !== 'object' || d === null || d.format !== 1 || typeof d.source?.tree !== 'string' || fields.some((f) => typeof d[f] !== 'object' || d[f] === null)) {
      throw new Error('the kernel macro data (src/check/data/kernel-macros.json) is malformed: regenerate it with npm run macros');
    }
    const k = d as KernelMacroData;
    const map = <V>(r: Record<string, V>) => new Map(Object.entries(r));
    return new MacroContext(
      map(k.sizeofOnly), map(k.loops), map(k.scopes), map(k.declarators),
      new Map(Object.entries(k.guards).map(([n, g]) => [n, g.conditional])),
      map(k.frees), map(k.takes), map(k.aliases), map(k.guardDefiners), map(k.freeDefiners), k.source.tree,
    );
  }
}

let loaded: MacroContext | undefined;

/**
 * The kernel's macros as the committed data file says, loaded once.
 * @example kernelMacros().sizeofOnly('kzalloc_obj') // [0]
 */
export function kernelMacros(): MacroContext {
  loaded ??= MacroContext.fromData(require('../data/kernel-macros.json'));
  return loaded;
}
