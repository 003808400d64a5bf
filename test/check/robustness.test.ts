import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { discoverFunctions, mentionsAuxApi, sourceFromBytes, type FileFunctions, type NotAnalysed } from '../../src/check/index.js';
import { rng } from './rng.js';

/**
 * Robustness: generated inputs (random bytes, truncated and mutated fixtures, unbalanced braces,
 * deep nesting, macros everywhere, a 3 MiB file) go through the whole front end: source reading,
 * pre-filter, parse, function discovery. Nothing may throw or hang (every parse is bounded by a
 * time limit), and every input ends as functions or a "not analysed" reason.
 */

const FIXTURE_DIR = new URL('../fixtures/check/', import.meta.url);
const FIXTURES = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.c')).map((f) => readFileSync(new URL(f, FIXTURE_DIR)));

const TOKENS = [
  '{', '}', '(', ')', ';', ',', 'if', 'else', 'goto err;', 'err:', 'return', '#define', '#ifdef X', '#endif', '\n', ' ',
  'auxiliary_device_init(&x->adev)', 'auxiliary_device_add(adev)', 'kfree(p)', 'x->adev.dev.release = rel', 'container_of(d, struct s, adev)',
  'struct', 'static', 'int', 'void', '*', '=', '->', '.', '"str', "'c'", '/*', '*/', '//', '\\', '__init', '__free(kfree)', 'MACRO(', 'FOO BAR',
];

type Outcome = FileFunctions | NotAnalysed;

async function frontEnd(bytes: Uint8Array, maxBytes?: number): Promise<Outcome> {
  const source = sourceFromBytes(bytes, maxBytes === undefined ? {} : { maxBytes });
  if (source.kind === 'not-analysed') return source;
  expect(typeof mentionsAuxApi(bytes)).toBe('boolean');
  expect(typeof mentionsAuxApi(source.text)).toBe('boolean');
  return discoverFunctions(source, { timeoutMs: 2_000 });
}

function expectWellFormed(r: Outcome): void {
  if (r.kind === 'not-analysed') {
    expect(r.reason).toMatch(/^(empty|binary|too-large|parse-cancelled|parse-failed)$/);
    expect(r.detail.length).toBeGreaterThan(0);
    return;
  }
  expect(r.kind).toBe('functions');
  for (const f of r.functions) {
    if (f.kind === 'not-analysed') expect(f.reason).toMatch(/^(syntax-error|no-name|misparsed)$/);
    else {
      expect(f.kind).toBe('function');
      expect(typeof f.name).toBe('string');
    }
    expect(f.start.line).toBeGreaterThanOrEqual(1);
    expect(f.end.line).toBeGreaterThanOrEqual(f.start.line);
  }
}

function inputs(): { label: string; bytes: Uint8Array }[] {
  const r = rng(7);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: T[]): T => xs[int(xs.length)]!;
  const out: { label: string; bytes: Uint8Array }[] = [];
  for (let i = 0; i < 500; i++) {
    const b = new Uint8Array(int(3000));
    for (let j = 0; j < b.length; j++) b[j] = int(256);
    out.push({ label: `random bytes ${i}`, bytes: b });
  }
  for (let i = 0; i < 300; i++) {
    // Printable noise: passes the binary test, so it reaches the parser.
    const b = new Uint8Array(int(3000));
    for (let j = 0; j < b.length; j++) b[j] = 0x20 + int(95);
    out.push({ label: `printable noise ${i}`, bytes: b });
  }
  for (let i = 0; i < 500; i++) {
    const f = pick(FIXTURES);
    out.push({ label: `truncated fixture ${i}`, bytes: f.subarray(0, int(f.length + 1)) });
  }
  for (let i = 0; i < 400; i++) {
    const f = Buffer.from(pick(FIXTURES));
    const edits = 1 + int(8);
    for (let e = 0; e < edits; e++) f[int(f.length)] = pick([0x7b, 0x7d, 0x28, 0x29, 0x3b, 0x23, 0x22, 0x2f, 0x2a]);
    out.push({ label: `mutated fixture ${i}`, bytes: f });
  }
  for (let i = 0; i < 300; i++) {
    const parts: string[] = [];
    for (let t = int(400); t > 0; t--) parts.push(pick(TOKENS));
    out.push({ label: `token soup ${i}`, bytes: Buffer.from(parts.join(' ')) });
  }
  const nest = (open: string, close: string, n: number, inner: string): string => open.repeat(n) + inner + close.repeat(n);
  out.push(
    { label: '5,000 nested parentheses', bytes: Buffer.from(`int f(void) { return ${nest('(', ')', 5000, 'x')}; }`) },
    { label: '5,000 unclosed parentheses', bytes: Buffer.from(`int f(void) { return ${'('.repeat(5000)}x; }`) },
    { label: '5,000 nested blocks', bytes: Buffer.from(`void f(void) ${nest('{', '}', 5000, 'auxiliary_device_add(a);')}`) },
    { label: '5,000 unbalanced closing braces', bytes: Buffer.from(`void f(void) { g(); ${'}'.repeat(5000)}`) },
    { label: '2,000 nested calls', bytes: Buffer.from(`void f(void) { ${nest('g(', ')', 2000, 'x')}; }`) },
    { label: '2,000 nested ifs', bytes: Buffer.from(`void f(int x) { ${'if (x) '.repeat(2000)}kfree(x); }`) },
    { label: 'macros everywhere', bytes: Buffer.from(Array.from({ length: 2000 }, (_, k) => `DEFINE_THING(t${k}, FOO(BAR)) { BAZ(k) QUX }\n#define M${k}(a) a##${k}\n`).join('')) },
    { label: 'a function per line', bytes: Buffer.from(Array.from({ length: 3000 }, (_, k) => `static int f${k}(void) { return f${k + 1}(); }\n`).join('')) },
  );
  return out;
}

describe('the front end survives any input', () => {
  it('2,000+ generated inputs each end as functions or a not-analysed reason', async () => {
    const all = inputs();
    expect(all.length).toBeGreaterThanOrEqual(2000);
    const tally: Record<string, number> = {};
    for (const { label, bytes } of all) {
      let r: Outcome;
      try {
        r = await frontEnd(bytes);
      } catch (e) {
        throw new Error(`${label}: threw ${e instanceof Error ? e.stack : String(e)}`);
      }
      expectWellFormed(r);
      const key = r.kind === 'functions' ? 'functions' : r.reason;
      tally[key] = (tally[key] ?? 0) + 1;
    }
    // Every kind of outcome the generators aim at was reached.
    expect(tally['functions']).toBeGreaterThan(500);
    expect(tally['binary']).toBeGreaterThan(400);
    expect(tally['empty']).toBeGreaterThan(0);
  });

  it('a 3 MiB file is refused by the size limit, and parsed when the limit allows it', async () => {
    const unit = Buffer.from(readFileSync(new URL('widget-aux.c', FIXTURE_DIR)).toString('utf8').replace(/widget_/g, 'w_'));
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let at = 0; at < big.length; at += unit.length) unit.copy(big, at);
    expect(await frontEnd(big)).toMatchObject({ kind: 'not-analysed', reason: 'too-large' });
    const r = await frontEnd(big, 4 * 1024 * 1024);
    expectWellFormed(r);
    if (r.kind === 'functions') expect(r.functions.length).toBeGreaterThan(1000);
    else expect(r.reason).toBe('parse-cancelled');
  });
});
