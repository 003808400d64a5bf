import { ParameterError, requireInt, requireObject } from '../../machines/common/errors.js';
import { readRegularFile } from '../regular-file.js';

/**
 * Turning a file or a buffer into text the checker can analyse, or into a "not analysed" result
 * that says why. Nothing here throws on any file content: empty, binary, huge, non-UTF-8 and
 * unreadable inputs all end as a {@link NotAnalysed} value.
 */

/**
 * Why a file or a function was not analysed. File level: `unreadable`, `empty`, `binary`,
 * `too-large`, `parse-cancelled`, `parse-failed`. Function level: `syntax-error` (ERROR / MISSING
 * nodes inside it), `no-name` (no function declarator the checker can name, e.g. an annotation
 * macro such as `__init` before the name confused the parser), `misparsed` (a statement the
 * parser read as a type, without an error node).
 */
export type NotAnalysedReason =
  | 'unreadable' | 'empty' | 'binary' | 'too-large' | 'parse-cancelled' | 'parse-failed'
  | 'syntax-error' | 'no-name' | 'misparsed';

/**
 * Something the checker did not analyse, with the reason (stable, for programs) and a sentence
 * for people.
 * @example
 * const r: NotAnalysed = { kind: 'not-analysed', reason: 'empty', detail: 'the file is empty' };
 */
export interface NotAnalysed {
  kind: 'not-analysed';
  reason: NotAnalysedReason;
  detail: string;
}

/**
 * Analysable source text. `invalidUtf8` counts the byte sequences that were not UTF-8 and were
 * decoded as U+FFFD (see {@link sourceFromBytes} for why they are accepted); `notes` says so in words.
 * @example
 * const s = sourceFromBytes('int x;');
 * if (s.kind === 'source') s.text // "int x;"
 */
export interface SourceText {
  kind: 'source';
  /** The file it came from, when read with {@link readSource} or given as an option. */
  path?: string;
  text: string;
  /** The size of the input in bytes. */
  byteLength: number;
  invalidUtf8: number;
  notes: string[];
}

/** The default size limit: 2 MiB. The largest C files in the kernel tree are well below it. */
export const DEFAULT_MAX_SOURCE_BYTES = 2 * 1024 * 1024;

/**
 * The share of suspicious bytes (control characters other than tab, newline, vertical tab, form
 * feed and carriage return, plus invalid UTF-8 sequences) above which an input is called binary.
 */
export const BINARY_RATIO = 0.1;

/** Options of {@link sourceFromBytes} and {@link readSource}. */
export interface SourceOptions {
  /** Inputs larger than this many bytes are not analysed (default {@link DEFAULT_MAX_SOURCE_BYTES}). */
  maxBytes?: number;
  /** A name for the input, kept in the result (readSource sets it to the file's path). */
  path?: string;
}

/**
 * Checks a size or time limit option: an integer of at least 1. Throws `ParameterError`.
 * @example requirePositiveLimit('maxBytes', 1024) // 1024
 */
export function requirePositiveLimit(parameter: string, value: unknown): number {
  return requireInt(parameter, value, 1, Number.MAX_SAFE_INTEGER);
}

const UTF8_REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]);

/**
 * Classifies bytes (or a string, taken as its UTF-8 encoding) as analysable text or not.
 * Never throws on any content; an invalid option throws `ParameterError`.
 *
 * Non-UTF-8 bytes are decoded with replacement (each invalid sequence becomes U+FFFD) and the file
 * is analysed, with a note, rather than refused. Why: in C sources such bytes are found in comments
 * and string literals (Latin-1 author names, copyright signs), never in identifiers or punctuation,
 * so replacing them cannot change the structure the checker reads; line numbers do not move, and a
 * single-byte Latin-1 character and its U+FFFD occupy the same column. Refusing would skip code the
 * checker can judge. Inputs where such bytes are frequent are called binary instead
 * (see {@link BINARY_RATIO}).
 * @example
 * sourceFromBytes(Buffer.from('int x;\n')).kind        // "source"
 * sourceFromBytes(new Uint8Array(0))                    // { kind: 'not-analysed', reason: 'empty', ... }
 * sourceFromBytes(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]))  // reason 'binary' (an ELF header)
 */
export function sourceFromBytes(input: Uint8Array | string, options: SourceOptions = {}): SourceText | NotAnalysed {
  if (typeof input !== 'string' && !isBytes(input)) throw new ParameterError('sourceFromBytes(input)', input, 'a string or a Uint8Array (a Buffer)');
  requireObject('sourceFromBytes(options)', options, 'an object { maxBytes?, path? }');
  const maxBytes = requirePositiveLimit('maxBytes', options.maxBytes ?? DEFAULT_MAX_SOURCE_BYTES);
  if (options.path !== undefined && typeof options.path !== 'string') throw new ParameterError('sourceFromBytes(options.path)', options.path, 'a string, or no path');
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const size = bytes.byteLength;
  if (size === 0) return notAnalysed('empty', 'the file is empty');
  if (size > maxBytes) return notAnalysed('too-large', `the file has ${size} bytes, more than the limit of ${maxBytes}`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) return notAnalysed('binary', `a NUL byte at offset ${nul}: binary content, not C source`);
  let control = 0;
  for (let i = 0; i < size; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && (b < 0x09 || b > 0x0d)) || b === 0x7f) control++;
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const invalidUtf8 = countReplacements(text) - countGenuineReplacements(bytes);
  const suspicious = control + invalidUtf8;
  if (suspicious / size > BINARY_RATIO) {
    return notAnalysed('binary', `${suspicious} of ${size} bytes are control characters or invalid UTF-8: binary content, not C source`);
  }
  if (text.trim() === '') return notAnalysed('empty', 'the file holds only white space');
  const notes = invalidUtf8 > 0 ? [`${invalidUtf8} byte sequence${invalidUtf8 === 1 ? ' is' : 's are'} not UTF-8; decoded as U+FFFD (the structure of the code is unaffected)`] : [];
  const source: SourceText = { kind: 'source', text, byteLength: size, invalidUtf8, notes };
  if (options.path !== undefined) source.path = options.path;
  return source;
}

/**
 * Reads a file into analysable text (see {@link sourceFromBytes}). A file that cannot be read (it
 * does not exist, it is a directory, permission is denied) is "not analysed", reason `unreadable`;
 * a file over the size limit is not read at all. Never rejects on any file; an invalid option
 * rejects with `ParameterError`.
 * @example
 * const s = await readSource('drivers/foo/foo-aux.c');
 * if (s.kind === 'not-analysed') console.log(`${s.reason}: ${s.detail}`);
 */
export async function readSource(path: string, options: SourceOptions = {}): Promise<SourceText | NotAnalysed> {
  if (typeof path !== 'string' || path.length === 0) throw new ParameterError('readSource(path)', path, 'a non-empty file path');
  requireObject('readSource(options)', options, 'an object { maxBytes?, path? }');
  const maxBytes = requirePositiveLimit('maxBytes', options.maxBytes ?? DEFAULT_MAX_SOURCE_BYTES);
  const read = await readRegularFile(path, maxBytes);
  if (read.kind === 'refused') {
    return read.reason === 'too-large' ? notAnalysed('too-large', `the file ${read.detail.replace(/^it /, '')}`) : notAnalysed('unreadable', `cannot read ${path}: ${read.detail}`);
  }
  return sourceFromBytes(read.bytes, { maxBytes, path });
}

function notAnalysed(reason: NotAnalysedReason, detail: string): NotAnalysed {
  return { kind: 'not-analysed', reason, detail };
}

function countReplacements(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) n++;
  return n;
}

/** U+FFFD written in the file itself (valid UTF-8 EF BF BD): not an invalid sequence. */
function countGenuineReplacements(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(UTF8_REPLACEMENT); i >= 0; i = bytes.indexOf(UTF8_REPLACEMENT, i + 3)) n++;
  return n;
}

/** A Uint8Array (a Buffer); false, not a TypeError, for a revoked proxy. */
function isBytes(x: unknown): x is Uint8Array {
  try {
    return x instanceof Uint8Array;
  } catch {
    return false;
  }
}
