import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { VIOLATION_CODES } from '../../machines/index.js';
import { checkSource, DEFAULT_MAX_PATHS, DEFAULT_MAX_STEPS, discoverFunctions, sourceFromBytes, type FileCheck, type NotAnalysed, type SourceText } from '../../src/check/index.js';
import { rng } from './rng.js';

/**
 * Robustness of the whole checker (pre-filter, mask, parse, lowering, every path on the model):
 * more than 10,000 mutated and random inputs — the fixture corpus truncated, with lines deleted,
 * duplicated and swapped, braces and parentheses unbalanced, binary noise and NUL bytes, macros
 * everywhere, auxiliary-bus calls with odd arguments, generated driver functions with deep nesting,
 * goto chains, loops of unknown and of endless count, huge switches, recursion and self-jumping
 * gotos, token soup, and fast-check strings and byte arrays. For every one, checkSource resolves
 * (never rejects, never hangs) with a well-formed result; path enumeration stops at its bound and
 * says so. Every input is generated from a fixed seed, so a failure names a replayable input.
 *
 * The mass inputs run in a worker thread with a time limit per input and a heap limit, so that a
 * hang or a runaway allocation is recorded as a failure of that input instead of stalling or
 * killing the whole test run.
 */

const CORPUS_DIR = new URL('../fixtures/check/corpus/', import.meta.url);
const FIXTURE_DIR = new URL('../fixtures/check/', import.meta.url);
const CORPUS = [
  ...readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.c')).sort().map((f) => readFileSync(new URL(f, CORPUS_DIR), 'utf8')),
  ...readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.c')).sort().map((f) => readFileSync(new URL(f, FIXTURE_DIR), 'utf8')),
];

/** The mass inputs run with the default bound on paths. */
const MASS_MAX_PATHS = DEFAULT_MAX_PATHS;
/**
 * And with the step budget the default was until the real tree's largest functions needed more
 * (intel_vsec's probe: 1.46M steps): it keeps each generated explosion to a second or so on a
 * loaded machine, and some of them reach it, as the outcome counts below ask.
 */
const MASS_MAX_STEPS = 600_000;
/**
 * A "hang" for this test: one input taking longer than this. With the default bounds a file of
 * several functions that each reach the bound on paths takes a few seconds on a loaded machine
 * (4.4 s the slowest seen, with three other jobs on two cores); a function without the step
 * budget took 45 s.
 */
const HANG_MS = 15_000;
/** The worker's heap limit: checking one small file needs a few MiB; far more is a runaway. */
const HEAP_LIMIT_MB = 256;

const CODES = new Set<string>(VIOLATION_CODES);

interface Gen {
  int: (n: number) => number;
  pick: <T>(xs: readonly T[]) => T;
  chance: (p: number) => boolean;
}

function gen(seed: number): Gen {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  return { int, pick: (xs) => xs[int(xs.length)]!, chance: (p) => r() < p };
}

type Input = string | Uint8Array;

interface Case {
  kind: string;
  input: Input;
}

// ---- what the mutations insert ----

const MACRO_LINES = [
  'FOO(x) {', 'BAR(y)', '#ifdef CONFIG_AUX', '#ifndef CONFIG_AUX', '#else', '#endif', '#if 0', '#if defined(X) && Y', '#define M(a) a',
  '#define auxiliary_device_add(x) 0', '#undef M', 'DEFINE_MUTEX(lock);', 'static DEFINE_IDA(ida_x);', 'MODULE_LICENSE("GPL");',
  'EXPORT_SYMBOL_GPL(foo);', '__must_check', 'static int __init', '__acquires(x) __releases(y)', 'list_for_each_entry(p, &head, node) {',
  'for_each_set_bit(i, mask, 64)', 'scoped_guard(mutex, &lock) {', 'guard(mutex)(&lock);', 'DECLARE_BITMAP(map, 64);', 'MACRO_BEGIN', '} MACRO_END',
  'do { FOO(); } while (0)', 'LIST_HEAD(list);', 'if (WARN_ON(!adev))', 'struct foo *p __free(kfree) = NULL;', 'asm volatile("nop");',
  '__attribute__((unused))', 'static inline', 'EXPORT_SYMBOL_NS_GPL(x, "NS");', '#pragma once', '#include <linux/auxiliary_bus.h>',
];

const ODD_API_CALLS = [
  'auxiliary_device_init(0);', 'auxiliary_device_add(*p);', 'kfree(&x);', 'auxiliary_device_uninit();', 'auxiliary_device_delete(a, b, c);',
  'ida_free(&ida, -1);', 'put_device(NULL);', 'auxiliary_device_add(auxiliary_device_add(p));', 'kfree(kfree);', 'x = container_of(0, int, y);',
  'auxiliary_device_destroy("str");', 'get_device(&adev->dev.dev.dev);', 'auxiliary_device_init(&adev[-1]);', 'auxiliary_device_init(adev ? adev : 0);',
  'auxiliary_device_add((struct auxiliary_device *)42);', '__auxiliary_device_add(adev, NULL);', 'auxiliary_device_uninit(&x->adev.dev);',
  'devm_auxiliary_device_create(dev, "a", NULL);', 'auxiliary_device_create(0, 0, 0, 0, 0);', 'ida_alloc_range(&ida, 5, 1, GFP_KERNEL);',
  'ida_free(0, 0);', 'kfree(NULL);', 'kfree(adev); kfree(adev);', 'put_device(&adev->dev); put_device(&adev->dev);', 'auxiliary_device_uninit(adev = 0);',
  'x->adev.dev.release = x->adev.dev.release;', 'adev->dev.release = (void *)0;', 'adev->dev.release = ops->release;', 'p = kzalloc(-1, GFP_KERNEL);',
  'return auxiliary_device_add(adev);', 'goto nowhere;', 'break;', 'continue;', 'auxiliary_device_init(*(struct auxiliary_device **)p);',
  'auxiliary_device_add(&((struct foo *)p)->adev);', 'container_of(container_of(d, struct a, b), struct c, d);', 'auxiliary_device_delete(adev), auxiliary_device_uninit(adev);',
];

const TOKENS = [
  '{', '}', '(', ')', '[', ']', ';', ',', 'if', 'else', 'while', 'for', 'do', 'switch', 'case 1:', 'default:', 'goto err;', 'err:', 'return', 'break;',
  '#define', '#ifdef X', '#endif', '\n', ' ', '\t', 'int', 'void', 'struct foo', 'static', '*', '&', '=', '==', '->', '.', '!', '?', ':', '0', '-ENOMEM',
  'auxiliary_device_init(&x->adev)', 'auxiliary_device_add(adev)', 'auxiliary_device_uninit(adev)', 'auxiliary_device_delete(adev)',
  'auxiliary_device_create(dev, "m", "n", NULL, 0)', 'auxiliary_device_destroy(adev)', 'kfree(p)', 'kzalloc(sizeof(*p), GFP_KERNEL)',
  'ida_alloc(&ida, GFP_KERNEL)', 'ida_free(&ida, id)', 'put_device(&adev->dev)', 'get_device(&adev->dev)', 'x->adev.dev.release = rel',
  'container_of(d, struct s, adev)', '"str', "'c'", '/*', '*/', '//', '\\', '__init', '__free(kfree)', 'MACRO(', 'FOO BAR', '\0', '\u00ff', '\ufffd',
];

// ---- mutations of the corpus ----

function truncated(g: Gen): string {
  const f = g.pick(CORPUS);
  return f.slice(0, g.int(f.length + 1));
}

function lineEdits(g: Gen): string {
  const lines = g.pick(CORPUS).split('\n');
  for (let e = 1 + g.int(6); e > 0; e--) {
    const i = g.int(lines.length);
    const j = g.int(lines.length);
    switch (g.int(4)) {
      case 0: lines.splice(i, 1 + g.int(3)); break;
      case 1: lines.splice(i, 0, ...lines.slice(j, j + 1 + g.int(4))); break;
      case 2: [lines[i], lines[j]] = [lines[j]!, lines[i]!]; break;
      default: lines.splice(i, 0, lines[i] ?? ''); break;
    }
  }
  return lines.join('\n');
}

function unbalanced(g: Gen): string {
  let f = g.pick(CORPUS);
  if (g.chance(0.15)) return f.replace(g.pick([/\}/g, /\{/g, /\)/g, /;/g]), '');
  for (let e = 1 + g.int(8); e > 0; e--) {
    const at = g.int(f.length + 1);
    const c = g.pick(['{', '}', '(', ')', '[', ']', ';', '"', "'", '/*', '*/', '#', '\\\n', '{{{{', '}}}}', '((((', '))))']);
    f = g.chance(0.3) ? f.slice(0, at) + f.slice(at + 1) : f.slice(0, at) + c + f.slice(at);
  }
  return f;
}

function noisy(g: Gen): Uint8Array {
  let b = Buffer.from(g.pick(CORPUS), 'utf8');
  for (let e = 1 + g.int(5); e > 0; e--) {
    const at = g.int(b.length + 1);
    const noise = g.chance(0.4) ? Buffer.alloc(1 + g.int(8)) : Buffer.from(Array.from({ length: 1 + g.int(64) }, () => g.int(256)));
    b = Buffer.concat([b.subarray(0, at), noise, b.subarray(at)]);
  }
  // Now and then flip bytes in place too, or append a large binary tail.
  if (g.chance(0.3)) for (let e = g.int(20); e > 0; e--) b[g.int(b.length)] = g.int(256);
  if (g.chance(0.1)) b = Buffer.concat([b, Buffer.from(Array.from({ length: b.length }, () => g.int(256)))]);
  return b;
}

function macros(g: Gen): string {
  const lines = g.pick(CORPUS).split('\n');
  for (let e = 1 + g.int(6); e > 0; e--) {
    const i = g.int(lines.length + 1);
    if (g.chance(0.2)) {
      // Wrap a statement in a macro call.
      const j = g.int(lines.length);
      lines[j] = `\tMACRO_WRAP(${(lines[j] ?? '').trim().replace(/;$/, '')});`;
    } else lines.splice(i, 0, g.pick(MACRO_LINES));
  }
  return lines.join('\n');
}

function oddApiCalls(g: Gen): string {
  let f = g.pick(CORPUS);
  if (g.chance(0.5)) {
    // Replace the arguments of some API calls.
    const args = ['0', '*p', '&x', '', 'a, b, c', 'NULL', '"s"', 'adev->dev.parent', '&adev[1]', '(void *)-1', 'auxiliary_device_add(adev)', 'f()'];
    f = f.replace(/\b(auxiliary_device_\w+|kfree|ida_free|put_device|get_device)\(([^;()]*)\)/g, (m, fn: string) => (g.chance(0.4) ? `${fn}(${g.pick(args)})` : m));
  }
  const lines = f.split('\n');
  for (let e = 1 + g.int(4); e > 0; e--) {
    const bodyLines = lines.map((l, i) => (/^\t.*;\s*$/.test(l) ? i : -1)).filter((i) => i >= 0);
    const at = bodyLines.length > 0 ? g.pick(bodyLines) + 1 : g.int(lines.length + 1);
    lines.splice(at, 0, `\t${g.pick(ODD_API_CALLS)}`);
  }
  return lines.join('\n');
}

function tokenSoup(g: Gen): string {
  const parts: string[] = [];
  for (let t = g.int(500); t > 0; t--) parts.push(g.pick(TOKENS));
  return parts.join(g.pick([' ', '', '\n']));
}

// ---- generated driver functions with structural hazards ----

/** One structural hazard for a generated create function: its body, and what it needs before the function. */
function hazard(g: Gen, name: string): { body: string; extra: string } {
  const k = (max: number) => 1 + g.int(max);
  switch (g.int(18)) {
    case 0: { const d = k(2500); return { body: `${'{'.repeat(d)} n++; ${'}'.repeat(d)}`, extra: '' }; }
    case 1: return { body: `${'if (a) '.repeat(k(2000))}n++;`, extra: '' };
    case 2: return { body: Array.from({ length: k(600) }, (_, i) => `if (n == ${i}) n += ${i};`).join(' else '), extra: '' };
    case 3: {
      const c = k(150);
      return { body: `\tgoto ${name}_l0;\n${Array.from({ length: c }, (_, i) => `${name}_l${i}: if (${name}_poll(pf)) goto ${name}_l${i + 1}; n++;`).join('\n')}\n${name}_l${c}: ;`, extra: '' };
    }
    case 4: return { body: g.pick([
      `\twhile (${name}_busy(pf)) { if (${name}_ready(pf)) break; n--; }`,
      '\tfor (i = 0; i < n; i++) { if (pf->map[i]) continue; n--; }',
      '\tdo { n = pf_next(pf, n); } while (n > 0);',
      '\tlist_for_each_entry(p, &pf->list, node) { if (p->id == n) break; }',
      `\twhile (n-- > 0) { kfree(${name}_get(pf, n)); }`,
    ]), extra: '' };
    case 5: {
      const c = k(300);
      return { body: `\tswitch (${name}_type(pf)) {\n${Array.from({ length: c }, (_, i) => `\tcase ${i}:${g.chance(0.5) ? ` n = ${i}; break;` : ' n++;'}`).join('\n')}\n\tdefault: break;\n\t}`, extra: '' };
    }
    case 6: return { body: `${name}_spin: goto ${name}_spin;`, extra: '' };
    case 7: return { body: `${name}_again: if (${name}_busy(pf)) goto ${name}_again;`, extra: '' };
    case 8: return { body: g.pick(['\tfor (;;) ;', '\twhile (1) {}', '\tdo { } while (1);', '\tfor (i = 0; i < 1000; i++) n++;', '\twhile (1) { if (n) continue; }']), extra: '' };
    case 9: return {
      body: `\tif (${name}_ping(pf, n)) return -EIO;`,
      extra: `static int ${name}_pong(struct ${name}_pf *pf, int n);\nstatic int ${name}_ping(struct ${name}_pf *pf, int n) { if (n) return ${name}_pong(pf, n - 1); return auxiliary_device_init(&pf->aux->adev); }\n`
        + `static int ${name}_pong(struct ${name}_pf *pf, int n) { if (n) return ${name}_ping(pf, n - 1); auxiliary_device_uninit(&pf->aux->adev); return 0; }\n`,
    };
    case 10: return { body: Array.from({ length: k(12) }, () => `\tif (${name}_unknown(pf)) n++;`).join('\n'), extra: '' };
    case 11: return { body: `\tn = ${'('.repeat(k(50))}n;${g.chance(0.5) ? ' }' : ''}`, extra: '' }; // unbalanced: a syntax error in the function
    case 12: return { body: `\tn = ${Array.from({ length: k(3000) }, (_, i) => `n${i % 7}`).join(g.pick([' + ', ' && ', ' | ', ', ']))};`, extra: '' };
    case 13: { const d = k(2000); return { body: `\tn = ${'g('.repeat(d)}n${')'.repeat(d)};`, extra: '' }; }
    case 14: return { body: Array.from({ length: k(4) }, () => `\t${g.pick(MACRO_LINES)}`).join('\n'), extra: '' };
    case 15: return { body: Array.from({ length: k(4) }, () => `\t${g.pick(ODD_API_CALLS)}`).join('\n'), extra: '' };
    case 16: {
      const d = k(3000);
      return { body: `\tn = ${'('.repeat(d)}n${')'.repeat(d)};`, extra: '' };
    }
    default: {
      // A chain of same-file helpers, each calling the next; the last uses the bus.
      const c = k(60);
      return {
        body: `\tif (${name}_h0(pf)) return -EIO;`,
        extra: `${Array.from({ length: c }, (_, i) => `static int ${name}_h${i}(struct ${name}_pf *pf) { return ${name}_h${i + 1}(pf); }`).reverse().join('\n')}\n`
          + `static int ${name}_h${c}(struct ${name}_pf *pf) { return auxiliary_device_add(&pf->aux->adev); }\n`,
      };
    }
  }
}

/** A driver-like create function (kzalloc, ida_alloc, init, add, goto unwinding, a release) with 1 to 3 hazards before the init. */
function shaped(g: Gen, i: number): string {
  const name = `drv${i}`;
  const hs = Array.from({ length: 1 + g.int(3) }, () => hazard(g, name));
  const text = [
    '#include <linux/auxiliary_bus.h>',
    `struct ${name}_pf { struct device *dev; struct ${name}_aux *aux; int *map; int n; struct list_head list; };`,
    `struct ${name}_aux { struct auxiliary_device adev; struct ${name}_pf *pf; };`,
    `static DEFINE_IDA(${name}_ida);`,
    ...hs.map((h) => h.extra),
    `static void ${name}_release(struct device *dev)`,
    '{',
    `\tstruct ${name}_aux *a = container_of(dev, struct ${name}_aux, adev.dev);`,
    '',
    `\tida_free(&${name}_ida, a->adev.id);`,
    '\tkfree(a);',
    '}',
    '',
    `int ${name}_create(struct ${name}_pf *pf)`,
    '{',
    `\tstruct ${name}_aux *a;`,
    `\tstruct ${name}_item *p;`,
    '\tint ret, i, n = pf->n, a0 = 0;',
    '',
    '\ta = kzalloc(sizeof(*a), GFP_KERNEL);',
    '\tif (!a)',
    '\t\treturn -ENOMEM;',
    `\tret = ida_alloc(&${name}_ida, GFP_KERNEL);`,
    '\tif (ret < 0)',
    '\t\tgoto err_free;',
    '\ta->adev.id = ret;',
    '\ta->adev.name = "aux";',
    '\ta->adev.dev.parent = pf->dev;',
    `\ta->adev.dev.release = ${name}_release;`,
    ...hs.map((h) => h.body),
    '\tret = auxiliary_device_init(&a->adev);',
    '\tif (ret)',
    '\t\tgoto err_ida;',
    '\tret = auxiliary_device_add(&a->adev);',
    '\tif (ret)',
    '\t\tgoto err_uninit;',
    '\tpf->aux = a;',
    '\treturn 0;',
    '',
    'err_uninit:',
    '\tauxiliary_device_uninit(&a->adev);',
    '\treturn ret;',
    'err_ida:',
    `\tida_free(&${name}_ida, a->adev.id);`,
    'err_free:',
    '\tkfree(a);',
    '\treturn ret;',
    '}',
  ].join('\n');
  // Sometimes behind a corpus file, so several functions share the file.
  return g.chance(0.3) ? `${g.pick(CORPUS)}\n${text}` : text;
}

function generatedCases(): Case[] {
  const out: Case[] = [];
  const add = (kind: string, n: number, seed: number, make: (g: Gen, i: number) => Input) => {
    const g = gen(seed);
    for (let i = 0; i < n; i++) out.push({ kind, input: make(g, i) });
  };
  add('truncated corpus file', 1200, 1, truncated);
  add('lines deleted, duplicated, swapped', 1400, 2, lineEdits);
  add('unbalanced braces and parentheses', 1100, 3, unbalanced);
  add('binary noise and NUL bytes', 1000, 4, noisy);
  add('macros injected', 1100, 5, macros);
  add('odd auxiliary-bus calls', 1100, 6, oddApiCalls);
  add('generated driver with hazards', 600, 7, shaped);
  add('token soup', 500, 8, tokenSoup);
  return out;
}

// ---- judging one result ----

function linesOf(input: Input | SourceText | NotAnalysed): number | null {
  const s = typeof input === 'object' && 'kind' in input ? input : sourceFromBytes(input);
  return s.kind === 'source' ? s.text.split('\n').length : null;
}

/** Problems with one result, as sentences (empty when well-formed). */
function problems(r: unknown, file: string, lines: number | null, maxPaths: number): string[] {
  const out: string[] = [];
  const bad = (m: string) => out.push(m);
  if (typeof r !== 'object' || r === null) return [`not an object: ${String(r)}`];
  const x = r as FileCheck;
  if (typeof x.relevant !== 'boolean') bad('relevant is not a boolean');
  for (const k of ['functions', 'paths'] as const) if (!Number.isInteger(x[k]) || x[k] < 0) bad(`${k} is not a count: ${x[k]}`);
  if (!Array.isArray(x.findings) || !Array.isArray(x.notAnalysed)) return [...out, 'findings or notAnalysed is not an array'];
  if (x.paths > x.functions * maxPaths) bad(`${x.paths} paths over ${x.functions} functions exceed the bound of ${maxPaths} per function`);
  const inFile = (line: unknown) => Number.isInteger(line) && (line as number) >= 1 && (lines === null || (line as number) <= lines);
  for (const f of x.findings) {
    if (!CODES.has(f.code)) bad(`unknown violation code ${f.code}`);
    if (f.at?.file !== file || !inFile(f.at.line) || !(f.at.column >= 1)) bad(`finding ${f.code} at a bad place ${JSON.stringify(f.at)} (${lines} lines)`);
    if (typeof f.function !== 'string' || f.function.length === 0) bad(`finding ${f.code} names no function`);
    if (typeof f.message !== 'string' || f.message.length === 0) bad(`finding ${f.code} has no message`);
    if (f.failing !== undefined && (!inFile(f.failing.line) || typeof f.failing.call !== 'string')) bad(`finding ${f.code}: bad failing call ${JSON.stringify(f.failing)}`);
  }
  for (const n of x.notAnalysed) {
    if (n.file !== file || typeof n.reason !== 'string' || n.reason.length === 0) bad(`bad not-analysed entry ${JSON.stringify(n)}`);
    if (n.line !== undefined && !inFile(n.line)) bad(`not-analysed entry at line ${n.line} of ${lines}`);
  }
  if (!x.relevant) {
    if (x.functions !== 0 || x.paths !== 0 || x.findings.length !== 0) bad('an irrelevant file has functions, paths or findings');
    // Skipped by the pre-filter (nothing to say), or a source that could not be read (one reason).
    if (x.notAnalysed.length > 1) bad('an irrelevant file has several not-analysed entries');
  }
  return out;
}

/**
 * "Every input ends with findings or a not-analysed reason": a file that mentions the API but in
 * which nothing was run and nothing reported is allowed only when no function of it calls the API
 * (a mention in a comment or a string, a declaration), or only release callbacks do (the checker
 * runs those only when the kernel would).
 */
async function silentButCallsApi(input: Input, r: FileCheck): Promise<string | null> {
  if (!r.relevant || r.functions > 0 || r.findings.length > 0 || r.notAnalysed.length > 0) return null;
  const s = sourceFromBytes(input);
  if (s.kind !== 'source') return null;
  const d = await discoverFunctions(s);
  if (d.kind !== 'functions') return `silently skipped although discovery gave ${d.reason}`;
  const releases = new Set(d.functions.flatMap((f) => (f.kind === 'function' ? f.releaseAssignments.map((a) => a.function) : [])));
  const callers = d.auxApiCallers.filter((c) => !releases.has(c));
  return callers.length > 0 ? `nothing run and nothing reported, yet ${callers.join(', ')} call the API` : null;
}

/** What the mass test saw. */
interface Tally {
  byKind: Record<string, number>;
  outcomes: Record<string, number>;
  failures: string[];
  slowest: { ms: number; label: string }[];
  total: number;
}

function outcome(r: FileCheck): string {
  if (!r.relevant) return r.notAnalysed.length > 0 ? `unreadable (${r.notAnalysed[0]!.reason.split(':')[0]})` : 'skipped by the pre-filter';
  if (r.notAnalysed.some((n) => n.reason.startsWith('budget: '))) return 'step budget reached';
  const bounded = r.notAnalysed.some((n) => n.reason.startsWith('partly analysed: stopped after'));
  const cut = r.notAnalysed.some((n) => n.reason.startsWith('partly analysed: a path was cut'));
  if (bounded) return 'path bound reached';
  if (cut) return 'a path was cut';
  if (r.findings.length > 0) return r.notAnalysed.length > 0 ? 'findings and not analysed' : 'findings';
  if (r.notAnalysed.length > 0) return 'not analysed';
  return r.functions > 0 ? 'analysed, nothing found' : 'nothing to run';
}

// ---- checking in a worker, with a time and a heap limit ----

/**
 * The checker's current sources, transpiled (types stripped, nothing else) into a folder of this
 * run's own under node_modules/.cache, for the worker to import: a worker thread cannot load
 * TypeScript, and a shared build folder may hold another checkout's code.
 */
function transpiledChecker(): { dir: string; entry: string } {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const dir = mkdtempSync(join(root, 'node_modules/.cache/robustness-check-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const done = new Set<string>();
  const todo = ['src/check/index.ts'];
  for (let rel = todo.pop(); rel !== undefined; rel = todo.pop()) {
    if (done.has(rel)) continue;
    done.add(rel);
    const js = ts.transpileModule(readFileSync(join(root, rel), 'utf8'), {
      fileName: rel,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    mkdirSync(join(dir, dirname(rel)), { recursive: true });
    writeFileSync(join(dir, rel.replace(/\.ts$/, '.js')), js);
    for (const m of js.matchAll(/\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
      const dep = posix.join(posix.dirname(rel), `${m[1]}.ts`);
      if (existsSync(join(root, dep))) todo.push(dep);
    }
    // The data files it loads (the kernel macro data, src/check/data/), as they are.
    for (const m of js.matchAll(/\brequire\(\s*['"](\.{1,2}\/[^'"]+\.json)['"]\s*\)/g)) {
      const data = posix.join(posix.dirname(rel), m[1]!);
      mkdirSync(join(dir, dirname(data)), { recursive: true });
      writeFileSync(join(dir, data), readFileSync(join(root, data)));
    }
  }
  return { dir, entry: join(dir, 'src/check/index.js') };
}

/** The worker: checkSource, one input per message. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = import(workerData.module);
parentPort.on('message', async (m) => {
  try {
    const { checkSource, sourceFromBytes } = await loaded;
    const given = m.bytes ? sourceFromBytes(m.input) : m.input;
    const start = performance.now();
    const r = await checkSource(given, m.file, { maxPaths: m.maxPaths, maxSteps: m.maxSteps });
    parentPort.postMessage({ r, ms: performance.now() - start });
  } catch (e) {
    parentPort.postMessage({ error: e instanceof Error ? String(e.stack || e.message) : String(e) });
  }
});
`;

/** What one isolated check gave. */
type Isolated =
  | { kind: 'result'; r: FileCheck; ms: number }
  | { kind: 'rejected'; error: string }
  | { kind: 'hang'; ms: number }
  | { kind: 'died'; error: string };

/**
 * checkSource in a worker thread: a rejection comes back as such, an input that runs past
 * `limitMs` is a hang (the worker is terminated), one that exhausts the heap limit kills only the
 * worker; either way the next input gets a fresh worker.
 */
class IsolatedChecker {
  private built: { dir: string; entry: string } | null = null;
  private worker: Worker | null = null;
  private pending: { w: Worker; settle: (o: Isolated) => void } | null = null;
  /** Workers replaced after a hang or a death. */
  restarts = 0;

  private spawn(): Worker {
    this.built ??= transpiledChecker();
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: pathToFileURL(this.built.entry).href },
      resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB },
    });
    // Events of a worker already given up on settle nothing.
    const finish = (o: Isolated) => {
      if (this.pending?.w !== w) return;
      const { settle } = this.pending;
      this.pending = null;
      settle(o);
    };
    const died = (why: string) => {
      if (this.worker === w) {
        this.worker = null;
        this.restarts++;
      }
      finish({ kind: 'died', error: why });
    };
    w.on('message', (m: { r?: FileCheck; ms?: number; error?: string }) => {
      finish(m.error !== undefined ? { kind: 'rejected', error: m.error } : { kind: 'result', r: m.r!, ms: m.ms! });
    });
    w.on('error', (e: Error) => died(`${(e as NodeJS.ErrnoException).code ?? e.name}: ${e.message}`));
    w.on('exit', (code) => died(`the worker exited with code ${code}`));
    return w;
  }

  check(input: Input, bytes: boolean, file: string, maxPaths: number, limitMs = HANG_MS): Promise<Isolated> {
    const w = (this.worker ??= this.spawn());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending?.w !== w) return;
        this.pending = null;
        this.worker = null;
        this.restarts++;
        void w.terminate();
        resolve({ kind: 'hang', ms: limitMs });
      }, limitMs);
      this.pending = {
        w,
        settle: (o) => {
          clearTimeout(timer);
          resolve(o);
        },
      };
      w.postMessage({ input, bytes, file, maxPaths, maxSteps: MASS_MAX_STEPS });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.pending = null;
    await w?.terminate();
    if (this.built) rmSync(this.built.dir, { recursive: true, force: true });
  }
}

const isolated = new IsolatedChecker();
afterAll(() => isolated.close());

const head = (input: Input) => (typeof input === 'string' ? JSON.stringify(input.slice(0, 300)) : `${input.length} bytes, starting ${JSON.stringify(Buffer.from(input.subarray(0, 120)).toString('latin1'))}`);

async function judge(t: Tally, kind: string, index: number, input: Input, asBytes: boolean): Promise<void> {
  const file = `input-${index}.c`;
  const label = `${kind} #${index}`;
  t.byKind[kind] = (t.byKind[kind] ?? 0) + 1;
  t.total++;
  const bytes = asBytes || typeof input !== 'string';
  const got = await isolated.check(input, bytes, file, MASS_MAX_PATHS);
  if (got.kind !== 'result') {
    const what = got.kind === 'hang' ? `did not finish within ${got.ms} ms` : got.kind === 'died' ? `killed the checker (${got.error})` : `rejected with ${got.error.split('\n').slice(0, 5).join(' | ')}`;
    t.failures.push(`${label}: ${what}; input ${head(input)}`);
    t.outcomes[got.kind] = (t.outcomes[got.kind] ?? 0) + 1;
    return;
  }
  const { r, ms } = got;
  t.slowest.push({ ms, label });
  t.slowest.sort((a, b) => b.ms - a.ms);
  t.slowest.length = Math.min(t.slowest.length, 5);
  const p = problems(r, file, linesOf(bytes ? sourceFromBytes(input) : input), MASS_MAX_PATHS);
  const silent = await silentButCallsApi(input, r);
  if (silent) p.push(silent);
  if (p.length > 0) t.failures.push(`${label}: ${p.join('; ')}`);
  const o = outcome(r);
  t.outcomes[o] = (t.outcomes[o] ?? 0) + 1;
}

// ---- small driver functions for the targeted tests ----

const RELEASE = 'static void t_release(struct device *dev)\n{\n\tstruct t_aux *a = container_of(dev, struct t_aux, adev.dev);\n\n\tkfree(a);\n}\n';

/** A create function with `before` ahead of its init; its add failure unwinds correctly. */
function createWith(before: string, opts: { leakOnInitFailure?: boolean } = {}): string {
  return [
    '#include <linux/auxiliary_bus.h>',
    'struct t_aux { struct auxiliary_device adev; };',
    'struct t_parent { struct device *dev; struct t_aux *aux; };',
    RELEASE,
    'int t_create(struct t_parent *parent, int n)',
    '{',
    '\tstruct t_aux *a;',
    '\tint ret, i;',
    '',
    '\ta = kzalloc(sizeof(*a), GFP_KERNEL);',
    '\tif (!a)',
    '\t\treturn -ENOMEM;',
    '\ta->adev.name = "t";',
    '\ta->adev.dev.parent = parent->dev;',
    '\ta->adev.dev.release = t_release;',
    before,
    '\tret = auxiliary_device_init(&a->adev);',
    '\tif (ret) {',
    ...(opts.leakOnInitFailure ? [] : ['\t\tkfree(a);']),
    '\t\treturn ret;',
    '\t}',
    '\tret = auxiliary_device_add(&a->adev);',
    '\tif (ret) {',
    '\t\tauxiliary_device_uninit(&a->adev);',
    '\t\treturn ret;',
    '\t}',
    '\tparent->aux = a;',
    '\treturn 0;',
    '}',
    '',
  ].join('\n');
}

async function timed(text: string, options: { maxPaths?: number; mergeStates?: boolean } = {}): Promise<{ r: FileCheck; ms: number }> {
  const start = performance.now();
  const r = await checkSource(text, 't.c', options);
  const ms = performance.now() - start;
  expect(problems(r, 't.c', linesOf(text), options.maxPaths ?? 2000)).toEqual([]);
  return { r, ms };
}

const reasons = (r: FileCheck) => r.notAnalysed.map((n) => n.reason);

describe('the whole checker survives any input', () => {
  it('10,000+ mutated and random inputs: checkSource resolves with a well-formed result, findings or a reason', async () => {
    const t: Tally = { byKind: {}, outcomes: {}, failures: [], slowest: [], total: 0 };
    // Warm-up: the worker loads the build and the grammar once, outside the per-input limit.
    expect((await isolated.check('void f(void) { auxiliary_device_init(0); }', false, 'warm.c', 1, 60_000)).kind).toBe('result');
    const cases = generatedCases();
    for (const [i, c] of cases.entries()) await judge(t, c.kind, i, c.input, c.input instanceof Uint8Array);

    // fast-check: arbitrary strings (any code point), C-ish token strings, and raw byte arrays.
    let next = cases.length;
    const cish = fc.array(
      fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary-ascii', maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 6 })),
      { maxLength: 300 },
    ).map((parts) => parts.join(' '));
    const runs: Array<[string, fc.Arbitrary<Input>, number, boolean]> = [
      ['fast-check string', fc.string({ unit: 'binary', maxLength: 2000 }), 600, false],
      ['fast-check C-ish string', cish, 700, false],
      ['fast-check byte array', fc.uint8Array({ maxLength: 3000 }), 500, true],
      ['fast-check text-like bytes', fc.uint8Array({ min: 0x09, max: 0x7e, maxLength: 3000 }).map((b) => Buffer.concat([Buffer.from('auxiliary_device_add(x);'), b])), 400, true],
    ];
    for (const [kind, arb, numRuns, asBytes] of runs) {
      await fc.assert(
        fc.asyncProperty(arb, async (input) => {
          const before = t.failures.length;
          await judge(t, kind, next++, input, asBytes);
          if (t.failures.length > before) throw new Error(t.failures[t.failures.length - 1]);
        }),
        // No shrinking: a hanging input would be re-run many times; the failure names the input.
        { seed: 20_251, numRuns, endOnFailure: true },
      ).catch((e: unknown) => {
        t.failures.push(`${kind} (shrunk by fast-check): ${e instanceof Error ? e.message.split('\n').slice(0, 8).join(' | ') : String(e)}`);
      });
    }

    console.log(`robustness-check: ${t.total} inputs`, t.byKind, t.outcomes, 'slowest:', t.slowest.map((s) => `${s.label} ${s.ms.toFixed(0)} ms`), `workers replaced: ${isolated.restarts}`);
    if (t.failures.length > 0) console.log(`robustness-check: ${t.failures.length} failing inputs:\n${t.failures.join('\n')}`);
    expect(t.failures.slice(0, 20)).toEqual([]);
    expect(t.total).toBeGreaterThanOrEqual(10_000);
    // The generators reach every kind of outcome they aim at.
    expect(t.outcomes['findings'] ?? 0).toBeGreaterThan(500);
    expect(t.outcomes['analysed, nothing found'] ?? 0).toBeGreaterThan(500);
    expect(t.outcomes['not analysed'] ?? 0).toBeGreaterThan(500);
    // Paths that meet again merge (merge-key.ts mergeKey), so most generated explosions are analysed
    // whole now; the bounds are still reached by some (10 and 10 of 10,200 when merging came in,
    // 89 budget stops before it; 4 budget stops once freed allocations and data nothing reads left
    // the merge key; 3 path-bound and 5 budget stops with 10,000 paths and 600,000 steps a
    // function, MASS_MAX_STEPS), and say so.
    expect(t.outcomes['path bound reached'] ?? 0).toBeGreaterThan(1);
    expect(t.outcomes['step budget reached'] ?? 0).toBeGreaterThan(2);
    expect(t.outcomes['a path was cut'] ?? 0).toBeGreaterThan(20);
    expect(t.outcomes['skipped by the pre-filter'] ?? 0).toBeGreaterThan(100);
    expect(t.outcomes['unreadable (binary)'] ?? 0).toBeGreaterThan(100);
  }, 900_000);
});

describe('path enumeration has a bound and says when it was reached', () => {
  // Branches on a value nothing keeps: paths that merge again at once. The bounds are shown with
  // merging off (every path whole), and what merging does with the same code beside them.
  const explode = (n: number) => Array.from({ length: n }, () => '\tif (unknown_state(parent)) n++;').join('\n');
  const WHOLE = { mergeStates: false } as const;

  it('20 sequential unknown branches before the init stop at maxPaths and say so', async () => {
    const { r, ms } = await timed(createWith(explode(20)), { maxPaths: 50, ...WHOLE });
    expect(r.paths).toBe(50);
    expect(reasons(r)).toEqual(['partly analysed: stopped after 50 paths (the bound), those with the fewest failing calls first; the findings cover them']);
    expect(r.notAnalysed[0]).toMatchObject({ function: 't_create', line: createWith('').split('\n').indexOf('int t_create(struct t_parent *parent, int n)') + 1 });
    expect(ms).toBeLessThan(5_000);
  });

  it('the findings of the paths run before the bound are kept', async () => {
    const { r } = await timed(createWith(explode(20), { leakOnInitFailure: true }), { maxPaths: 50, ...WHOLE });
    expect(r.findings.map((f) => f.code)).toEqual(['memory-leak']);
    expect(reasons(r)).toEqual(['partly analysed: stopped after 50 paths (the bound), those with the fewest failing calls first; the findings cover them']);
  });

  it('merged, the same 20 branches (2^20 paths whole) are analysed within 50 paths, with the same finding', async () => {
    const { r } = await timed(createWith(explode(20), { leakOnInitFailure: true }), { maxPaths: 50 });
    expect(r.findings.map((f) => f.code)).toEqual(['memory-leak']);
    expect(reasons(r)).toEqual([]);
    expect(r.paths).toBeLessThan(50);
  });

  it('below the bound every path runs and nothing is said', async () => {
    // kzalloc fails, or 4 unknown branches (16 ways) times init fails / add fails / both succeed.
    const { r } = await timed(createWith(explode(4)), { maxPaths: 50, ...WHOLE });
    expect(reasons(r)).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.paths).toBe(1 + 16 * 3);
  });

  for (const [what, loop] of [
    ['for (;;) ;', '\tfor (;;) ;'],
    ['while (1) {}', '\twhile (1) {}'],
    ['do {} while (1)', '\tdo { } while (1);'],
    ['a loop of 1,000 known rounds', '\tfor (i = 0; i < 1000; i++) n++;'],
    ['l: goto l;', 't_spin: goto t_spin;'],
  ] as const) {
    it(`an endless known loop (${what}) before the aux calls ends with "a path was cut", not a hang`, async () => {
      const { r, ms } = await timed(createWith(loop));
      expect(reasons(r)).toHaveLength(1);
      expect(reasons(r)[0]).toMatch(/^partly analysed: a path was cut: /);
      expect(ms).toBeLessThan(5_000);
    });
  }

  it('a self-jumping goto on an unknown condition is bounded by maxPaths and by the path length', async () => {
    const { r, ms } = await timed(createWith('t_again: if (unknown_state(parent)) goto t_again;'), { maxPaths: 50, ...WHOLE });
    expect(r.paths).toBe(50);
    expect(reasons(r)[0]).toMatch(/^partly analysed: (stopped after 50 paths|a path was cut)/);
    expect(ms).toBeLessThan(10_000);
    // Merged, the path that jumps back finds itself in the state it was in: an endless loop, cut and said.
    const merged = await timed(createWith('t_again: if (unknown_state(parent)) goto t_again;'), { maxPaths: 50 });
    expect(reasons(merged.r)[0]).toMatch(/^partly analysed: a path was cut: an endless loop at line \d+: the path came back to a state it was in/);
    expect(merged.r.paths).toBeLessThan(10);
  });

  it('a goto label inside a loop, with the default bounds, stops at the step budget: not analysed, reason "budget"', async () => {
    // Each unknown goto doubles the paths and each path runs to the 20,000-step cut: without the
    // budget this is 2,000 paths of 20,000 steps.
    const text = createWith(['\tfor (i = 0; i < n; i++) {', 't_again:', '\t\tif (unknown_state(parent))', '\t\t\tgoto t_again;', '\t}'].join('\n'));
    const { r } = await timed(text, WHOLE);
    expect(r.findings).toEqual([]);
    expect(r.notAnalysed).toHaveLength(1);
    expect(r.notAnalysed[0]).toMatchObject({ function: 't_create' });
    const m = /^budget: stopped after (\d+) steps over (\d+) paths of this run \(the per-function step budget is (\d+)\); nothing of this function is reported$/.exec(reasons(r)[0]!);
    expect(m).not.toBeNull();
    expect(Number(m![3])).toBe(DEFAULT_MAX_STEPS);
    // Stopped past the budget by less than one path's steps, long before the bound on paths.
    expect(Number(m![1])).toBeGreaterThan(DEFAULT_MAX_STEPS);
    expect(Number(m![1])).toBeLessThanOrEqual(DEFAULT_MAX_STEPS + 20_000);
    expect(r.paths).toBeLessThan(DEFAULT_MAX_PATHS / 10);
  });

  it('the step budget counts steps, not time: the same budget cuts the same function at the same place every time', async () => {
    const text = createWith(explode(6));
    const full = await checkSource(text, 't.c', WHOLE);
    expect(full.notAnalysed).toEqual([]);
    expect(full.paths).toBeGreaterThan(20);
    const a = await checkSource(text, 't.c', { maxSteps: 300, ...WHOLE });
    const b = await checkSource(text, 't.c', { maxSteps: 300, ...WHOLE });
    expect(reasons(a)).toHaveLength(1);
    expect(reasons(a)[0]).toMatch(/^budget: stopped after \d+ steps over \d+ paths .*budget is 300\)/);
    expect(a.findings).toEqual([]);
    expect(a.paths).toBeLessThan(full.paths);
    expect(b).toEqual(a);
  });

  it('a bad maxSteps is a ParameterError naming it', async () => {
    await expect(checkSource(createWith(''), 't.c', { maxSteps: 0 })).rejects.toThrow(/maxSteps/);
    await expect(checkSource(createWith(''), 't.c', { maxSteps: 1.5 })).rejects.toThrow(/maxSteps/);
  });

  for (const [what, loop] of [
    ['for (;;) kfree(x);', ['\tfor (;;)', '\t\tkfree(x);']],
    ['l: kfree(x); goto l;', ['t_again:', '\tkfree(x);', '\tgoto t_again;']],
  ] as const) {
    it(`a violating call in an endless loop (${what}) stays small in time and memory`, async () => {
      // Every round is a new double free on the same line: one finding, a short message.
      const text = ['int t_f(struct t_aux *x)', '{', '\tauxiliary_device_init(&x->adev);', ...loop, '}', ''].join('\n');
      const got = await isolated.check(text, false, 't.c', 50);
      expect(got.kind === 'result' ? 'result' : JSON.stringify(got)).toBe('result');
      if (got.kind !== 'result') return;
      expect(got.ms).toBeLessThan(2_000);
      expect(problems(got.r, 't.c', linesOf(text), 50)).toEqual([]);
      expect(got.r.findings.map((f) => f.code)).toContain('double-free');
      for (const f of got.r.findings) expect(f.message.length).toBeLessThan(2_000);
      expect(reasons(got.r).join('; ')).toMatch(/partly analysed: a path was cut/);
    });
  }

  it('recursion between two same-file functions is reported, not followed forever', async () => {
    const text = [
      '#include <linux/auxiliary_bus.h>',
      'struct t_aux { struct auxiliary_device adev; };',
      'static int t_pong(struct t_aux *a, int n);',
      'static int t_ping(struct t_aux *a, int n)',
      '{',
      '\tif (n)',
      '\t\treturn t_pong(a, n - 1);',
      '\treturn auxiliary_device_init(&a->adev);',
      '}',
      'static int t_pong(struct t_aux *a, int n)',
      '{',
      '\tif (n)',
      '\t\treturn t_ping(a, n - 1);',
      '\tauxiliary_device_uninit(&a->adev);',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    const { r, ms } = await timed(text);
    expect(r.functions).toBe(2);
    expect(reasons(r).length).toBeGreaterThan(0);
    for (const reason of reasons(r)) expect(reason).toMatch(/recursive/);
    expect(ms).toBeLessThan(5_000);
  });
});

/**
 * Nesting in the thousands: the parser accepts it (test/check/robustness.test.ts), and the checker
 * must then either analyse the function or say why not — never throw (in-process here, on the
 * main thread's stack, as `auxbus check` runs).
 */
describe('deep nesting in the thousands ends with an analysis or a reason, never an exception', () => {
  const body = (before: string) => createWith(before);
  const shapes: Array<[string, () => string]> = [
    ['5,000 nested blocks', () => body(`${'{'.repeat(5000)} n++; ${'}'.repeat(5000)}`)],
    ['3,000 nested ifs', () => body(`\t${'if (a) '.repeat(3000)}n++;`)],
    ['2,000 else-ifs', () => body(`\t${Array.from({ length: 2000 }, (_, i) => `if (n == ${i}) n++;`).join(' else ')}`)],
    ['20,000 nested parentheses', () => body(`\tn = ${'('.repeat(20_000)}n${')'.repeat(20_000)};`)],
    ['a sum of 20,000 terms', () => body(`\tn = ${Array.from({ length: 20_000 }, () => 'n').join(' + ')};`)],
    ['5,000 nested calls', () => body(`\tn = ${'g('.repeat(5000)}n${')'.repeat(5000)};`)],
    ['5,000 same-file helpers in a chain', () => [
      '#include <linux/auxiliary_bus.h>',
      ...Array.from({ length: 5000 }, (_, k) => `static int h${k}(struct t_aux *a) { return h${k + 1}(a); }`),
      'static int h5000(struct t_aux *a) { return auxiliary_device_init(&a->adev); }',
      '',
    ].join('\n')],
  ];
  for (const [what, make] of shapes) {
    it(what, async () => {
      const text = make();
      const start = performance.now();
      let r: FileCheck;
      try {
        r = await checkSource(text, 't.c', { maxPaths: 50 });
      } catch (e) {
        throw new Error(`checkSource rejected: ${e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 5).join(' | ') : String(e)}`);
      }
      expect(problems(r, 't.c', linesOf(text), 50)).toEqual([]);
      expect(r.relevant).toBe(true);
      expect(r.functions + r.notAnalysed.length + r.findings.length).toBeGreaterThan(0);
      expect(performance.now() - start).toBeLessThan(20_000);
    });
  }
});
