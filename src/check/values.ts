import { Errno } from '../../machines/errno.js';
import type { AuxDevice } from '../runtime/index.js';

/**
 * What the interpreter knows about a C value on one path. Pointers into memory the path allocated
 * are exact (`ptr`: an object and a member path inside it, `adev.dev` for `&x->adev.dev`); what
 * the path cannot know (a parameter's integer, an unknown call's result) is `unk`, and a branch on
 * it is explored both ways.
 */
export type Val =
  | { t: 'int'; v: number }
  /** Unknown; `call` names the function of another file (or pointer call) that returned it. */
  | { t: 'unk'; call?: string }
  | { t: 'nonnull' }
  /** NULL; `failed` when it is the failure value of a call whose convention is known. */
  | { t: 'null'; failed?: Failed }
  | { t: 'ptr'; o: Obj; p: string }
  /** An error pointer, ERR_PTR(v); `failed` as for NULL. */
  | { t: 'err'; v: number; failed?: Failed }
  | { t: 'fn'; name: string };

/**
 * A call that failed on the path and returned its failure value (path/conventions.ts): which call,
 * where, whether it returns NULL or an error pointer on failure, and where that is written down.
 */
export interface Failed {
  call: string;
  line: number;
  column: number;
  fails: 'null' | 'err-ptr';
  source: string;
}

/** Where an object came from: kzalloc and friends, devm_kzalloc, the kernel's create helpers, or outside the function. */
export type ObjKind = 'heap' | 'devm' | 'managed' | 'opaque';

/**
 * A piece of memory the path knows of. `rt` is its runtime twin (a kzalloc'd container the
 * model's device machine judges, whether or not it ever holds an initialised device); `dev` is
 * the member path of the embedded `struct auxiliary_device` once the code has used it as one
 * ('' when the object is the device itself). `fields` holds what the code stored, by member path.
 */
/**
 * One event of a path at its place in the source: a call that fails, a branch taken, what
 * happened to an object. `seq` orders events of several objects and branches on one path.
 * @example const s: PathStep = { seq: 3, line: 43, column: 2, text: 'auxiliary_device_init() failed' };
 */
export interface PathStep {
  seq: number;
  line: number;
  column: number;
  text: string;
  /** The file of `line` when it is not the checked file (a helper of another file). */
  file?: string;
}

export interface Obj {
  n: number;
  kind: ObjKind;
  rt: AuxDevice | null;
  dev: string | null;
  fields: Map<string, Val>;
  /** The call that made it, for messages. */
  madeBy: string;
  line: number;
  /** What happened to it on this path, in order, in the code's terms. */
  history: string[];
  /** The same events with their places in the source, for a diagnostic's numbered notes. */
  steps: PathStep[];
  /** The line of the statement that stored each field, for a step told when the store takes effect later. */
  storedAt?: Map<string, { line: number; file?: string }>;
  /** A release callback the code named that is not defined in this file. */
  foreignRelease?: string;
  /** It is what a function of another file returned: the path knows nothing of it. */
  fromCall?: string;
  /** Made by an allocation that zeroes it (kzalloc, kcalloc, ...): a member never stored is NULL. */
  zeroed?: boolean;
  /** This object is a member of another (a parameter the code later found the container of). */
  within?: { o: Obj; p: string };
  /**
   * Further auxiliary devices embedded in the same allocation, by member path (`priv->gpio` and
   * `priv->reset`): each has a runtime device of its own; `rt` and `dev` are the first one.
   * Freeing the allocation frees every one of them.
   */
  others?: Map<string, AuxDevice>;
}

export const UNK: Val = Object.freeze({ t: 'unk' });
export const NONNULL: Val = Object.freeze({ t: 'nonnull' });
export const NULLV: Val = Object.freeze({ t: 'null' });
export const ZERO: Val = Object.freeze({ t: 'int', v: 0 });
/**
 * What a member of memory that is not zeroed (kmalloc) reads before any store: 0 to every test,
 * as the checker has always taken it, but garbage in the kernel, so never a NULL the path knows
 * (path/contracts.ts tells it apart by identity).
 */
export const UNSET: Val = Object.freeze({ t: 'int', v: 0 });
export const int = (v: number): Val => ({ t: 'int', v });

/** Joins member paths: `join('adev', 'dev')` is `adev.dev`; index steps are written `[3]`. */
export function join(p: string, field: string): string {
  if (p === '') return field;
  return field.startsWith('[') ? `${p}${field}` : `${p}.${field}`;
}

/** A pointer with its object's containment resolved (a parameter found to sit inside a container). */
export function resolve(v: Val): Val {
  if (v.t !== 'ptr') return v;
  let o = v.o;
  let p = v.p;
  while (o.within) {
    p = join(o.within.p, p);
    o = o.within.o;
  }
  return o === v.o ? v : { t: 'ptr', o, p };
}

/**
 * Whether a value is true in a condition: true, false, or unknown (explore both).
 * @example truth({ t: 'int', v: 0 }) // false
 */
export function truth(v: Val): boolean | undefined {
  switch (v.t) {
    case 'int':
      return v.v !== 0;
    case 'null':
      return false;
    case 'unk':
      return undefined;
    default:
      return true;
  }
}

/**
 * The errno names a driver's error paths return, with Linux's numbers: the model's own (`Errno`)
 * and the others C code uses that the model never returns.
 */
export const ERRNO: Readonly<Record<string, number>> = Object.freeze({
  ...Errno,
  EPERM: 1, EIO: 5, ENXIO: 6, E2BIG: 7, EAGAIN: 11, EFAULT: 14, ENODEV: 19, ERANGE: 34, ENOSYS: 38,
  ENODATA: 61, EOPNOTSUPP: 95, ETIMEDOUT: 110, EPROBE_DEFER: 517, ENOTSUPP: 524,
});

/** Linux's MAX_ERRNO: IS_ERR() is true for the top 4095 pointer values. */
export const MAX_ERRNO = 4095;
