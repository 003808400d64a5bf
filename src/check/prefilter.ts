import { ParameterError } from '../../machines/index.js';
/**
 * The cheap pre-filter: does a source mention the auxiliary-bus API at all? Most C files do not,
 * and they are skipped before parsing. This is a presence test for whole identifiers over the
 * text (or the raw bytes); it says nothing about structure, which only ever comes from the syntax
 * tree. A mention inside a comment or a string counts: the filter may let a file through that
 * the checker then finds nothing in, but never drops a file that calls the API.
 */

/**
 * The auxiliary-bus API functions whose mention makes a file worth parsing.
 * @example AUX_API_FUNCTIONS.includes('auxiliary_device_add') // true
 */
export const AUX_API_FUNCTIONS = [
  'auxiliary_device_init',
  'auxiliary_device_add',
  '__auxiliary_device_add',
  'auxiliary_device_delete',
  'auxiliary_device_uninit',
  'auxiliary_device_destroy',
  'auxiliary_device_create',
  'devm_auxiliary_device_create',
  '__devm_auxiliary_device_create',
] as const;

/**
 * One of {@link AUX_API_FUNCTIONS}.
 * @example const name: AuxApiFunction = 'auxiliary_device_uninit';
 */
export type AuxApiFunction = (typeof AUX_API_FUNCTIONS)[number];

const API = new Set<string>(AUX_API_FUNCTIONS);

/**
 * Whether `name` is one of {@link AUX_API_FUNCTIONS}.
 * @example isAuxApiFunction('auxiliary_device_init') // true
 * @example isAuxApiFunction('auxiliary_device_initx') // false
 */
export function isAuxApiFunction(name: string): name is AuxApiFunction {
  return API.has(name);
}

/** Every API name contains this; the filter searches for it, then reads the whole identifier. */
const ANCHOR = 'auxiliary_device_';
const ANCHOR_BYTES = Buffer.from(ANCHOR, 'latin1');

function isIdentifierCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/**
 * The API names mentioned in `input` as whole identifiers (`auxiliary_device_add` counts,
 * `my_auxiliary_device_add` and `auxiliary_device_added` do not), each once, in order of first
 * mention. Accepts text or raw bytes (the names are ASCII, so bytes need no decoding). Linear in
 * the input's size; never throws.
 * @example auxApiMentions('ret = auxiliary_device_add(adev); auxiliary_device_uninit(adev);') // ['auxiliary_device_add', 'auxiliary_device_uninit']
 * @example auxApiMentions('my_auxiliary_device_add(x);') // []
 */
export function auxApiMentions(input: string | Uint8Array): AuxApiFunction[] {
  if (typeof input !== 'string' && !isBytes(input)) throw new ParameterError('input', input, 'C source text or its bytes (a string or a Uint8Array)');
  const found: AuxApiFunction[] = [];
  if (typeof input === 'string') {
    const at = (i: number): number => input.charCodeAt(i);
    for (let i = input.indexOf(ANCHOR); i >= 0; i = input.indexOf(ANCHOR, i + ANCHOR.length)) {
      collect(i, input.length, at, (s, e) => input.slice(s, e), found);
    }
  } else {
    const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const at = (i: number): number => bytes[i]!;
    for (let i = bytes.indexOf(ANCHOR_BYTES); i >= 0; i = bytes.indexOf(ANCHOR_BYTES, i + ANCHOR.length)) {
      collect(i, bytes.length, at, (s, e) => bytes.toString('latin1', s, e), found);
    }
  }
  return found;
}

function collect(
  anchor: number, length: number, at: (i: number) => number, slice: (start: number, end: number) => string, found: AuxApiFunction[],
): void {
  let start = anchor;
  // The longest name has 2 characters before the anchor ("__devm_"): look no further back than 7.
  while (start > 0 && anchor - start < 8 && isIdentifierCode(at(start - 1))) start--;
  if (start > 0 && isIdentifierCode(at(start - 1))) return;
  let end = anchor + ANCHOR.length;
  while (end < length && end - anchor < 24 && isIdentifierCode(at(end))) end++;
  if (end < length && isIdentifierCode(at(end))) return;
  const name = slice(start, end);
  if (isAuxApiFunction(name) && !found.includes(name)) found.push(name);
}

/**
 * Whether `input` mentions any auxiliary-bus API function as a whole identifier: the test that
 * decides whether a file is parsed at all. Never throws.
 * @example mentionsAuxApi('auxiliary_device_init(&x->adev);') // true
 * @example mentionsAuxApi('platform_device_add(pdev);') // false
 */
export function mentionsAuxApi(input: string | Uint8Array): boolean {
  return auxApiMentions(input).length > 0;
}

/** A Uint8Array; false, not a TypeError, for a revoked proxy. */
function isBytes(x: unknown): x is Uint8Array {
  try {
    return x instanceof Uint8Array;
  } catch {
    return false;
  }
}
