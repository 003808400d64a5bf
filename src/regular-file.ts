import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/**
 * Reading an input file safely: only a regular file is opened, and never more than a limit is
 * read. Why: opening a FIFO for reading blocks until a writer comes (the CLI and the API hung on
 * `mkfifo p.c`), and a device such as `/dev/zero` never ends. The type is checked before the
 * open, the open does not block (O_NONBLOCK), and the opened file is checked again, so a path
 * swapped for a FIFO in between is refused too.
 */

/** What reading gave: the bytes, or why the file was refused (in words, without the path). */
export type RegularFileRead = { kind: 'bytes'; bytes: Buffer } | { kind: 'refused'; reason: 'unreadable' | 'too-large'; detail: string };

/**
 * Reads a regular file of at most `maxBytes` bytes. Never rejects and never blocks on a FIFO,
 * socket or device: those are refused (`unreadable`) with the file type in the detail.
 * @example
 * const r = await readRegularFile('trace.json', 1 << 20);
 * if (r.kind === 'refused') console.error(r.detail);
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<RegularFileRead> {
  const refused = (reason: 'unreadable' | 'too-large', detail: string): RegularFileRead => ({ kind: 'refused', reason, detail });
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    return refused('unreadable', codeOf(e));
  }
  if (!info.isFile()) return refused('unreadable', `it is ${fileType(info)}, not a regular file`);
  if (info.size > maxBytes) return refused('too-large', `it has ${info.size} bytes, more than the limit of ${maxBytes}`);
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return refused('unreadable', codeOf(e));
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) return refused('unreadable', `it is ${fileType(opened)}, not a regular file`);
    // One byte past the limit: a file that grew since stat is still caught. A size of 0 may be
    // a lie (pseudo-files in /proc and /sys): read up to 64 KiB to see.
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, opened.size === 0 ? 65_536 : opened.size + 1));
    let filled = 0;
    while (filled < buffer.byteLength) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) return refused('too-large', `it has more than ${maxBytes} bytes, the limit`);
    return { kind: 'bytes', bytes: buffer.subarray(0, filled) };
  } catch (e) {
    return refused('unreadable', codeOf(e));
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * {@link readRegularFile} without the event loop: the same checks (a regular file only, opened
 * without blocking, checked again once open, never more than `maxBytes` read) in blocking calls.
 * For a thread that reads many small files and does nothing else meanwhile (`auxbus check` on a
 * tree: its workers, or the CLI's one thread): each asynchronous call is a trip through libuv's
 * thread pool, and over 60,000 kernel files the five of them per file took about ten times as
 * long as the reading itself. Never throws.
 * @example
 * const r = readRegularFileSync('drivers/foo/foo.c', 2 << 20);
 * if (r.kind === 'bytes') console.log(r.bytes.byteLength);
 */
export function readRegularFileSync(path: string, maxBytes: number): RegularFileRead {
  const refused = (reason: 'unreadable' | 'too-large', detail: string): RegularFileRead => ({ kind: 'refused', reason, detail });
  let info;
  try {
    info = statSync(path);
  } catch (e) {
    return refused('unreadable', codeOf(e));
  }
  if (!info.isFile()) return refused('unreadable', `it is ${fileType(info)}, not a regular file`);
  if (info.size > maxBytes) return refused('too-large', `it has ${info.size} bytes, more than the limit of ${maxBytes}`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return refused('unreadable', codeOf(e));
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) return refused('unreadable', `it is ${fileType(opened)}, not a regular file`);
    // As readRegularFile: one byte past the limit, and up to 64 KiB for a size of 0. Unsafe
    // allocation: only the part read is handed out.
    const buffer = Buffer.allocUnsafe(Math.min(maxBytes + 1, opened.size === 0 ? 65_536 : opened.size + 1));
    let filled = 0;
    while (filled < buffer.byteLength) {
      const n = readSync(fd, buffer, filled, buffer.byteLength - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    if (filled > maxBytes) return refused('too-large', `it has more than ${maxBytes} bytes, the limit`);
    return { kind: 'bytes', bytes: buffer.subarray(0, filled) };
  } catch (e) {
    return refused('unreadable', codeOf(e));
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Closing a file only read cannot lose data.
    }
  }
}

function fileType(info: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function codeOf(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return e instanceof Error ? e.message : String(e);
}
