import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progress, PROGRESS_LOG_SECONDS, type Io } from '../../src/cli/output.js';

/** Progress on stderr (src/cli/output.ts): rewritten on a terminal, plain lines now and then in a log. */

function io(tty: boolean): { io: Io; err: () => string } {
  let text = '';
  const stderr = Object.assign(new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } }), { isTTY: tty });
  const stdout = new Writable({ write(_c, _e, done) { done(); } });
  return { io: { stdout, stderr, env: {} }, err: () => text };
}

describe('progress', () => {
  it('not on a terminal, with log: a line only when PROGRESS_LOG_SECONDS have passed since the last one (or the start)', () => {
    const { io: s, err } = io(false);
    let ms = 0;
    const p = progress(s, { log: true, now: () => ms });
    p.update('a');
    ms = PROGRESS_LOG_SECONDS * 1000 - 1;
    p.update('b');
    expect(err()).toBe('');
    ms = PROGRESS_LOG_SECONDS * 1000;
    p.update('c');
    ms += 1000;
    p.update('d');
    ms += PROGRESS_LOG_SECONDS * 1000;
    p.update('e');
    p.done();
    expect(err()).toBe('c\ne\n');
  });

  it('--quiet silences it, on a terminal or not; without log a non-terminal gets nothing', () => {
    for (const tty of [true, false]) {
      const { io: s, err } = io(tty);
      let ms = 0;
      const p = progress(s, { log: true, quiet: true, now: () => ms });
      ms = 60_000;
      p.update('x');
      p.done();
      expect(err()).toBe('');
    }
    const { io: s, err } = io(false);
    let ms = 0;
    const p = progress(s, { now: () => ms });
    ms = 60_000;
    p.update('x');
    expect(err()).toBe('');
  });

  it('on a terminal every update rewrites the line, and done() clears it', () => {
    const { io: s, err } = io(true);
    const p = progress(s, { log: true, now: () => 0 });
    p.update('one');
    p.update('two');
    p.done();
    expect(err()).toBe('\r\u001b[Kone\r\u001b[Ktwo\r\u001b[K');
  });
});
