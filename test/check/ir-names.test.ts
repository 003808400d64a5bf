import { describe, expect, it } from 'vitest';
import { parseC } from '../../src/check/grammar.js';
import { lowerFunction, type Expr, type LoweredFunction } from '../../src/check/ir.js';
import { calledNames, renameIn } from '../../src/check/ir-names.js';
import { kernelMacros } from '../../src/check/macros/data.js';
import { maskAnnotations } from '../../src/check/mask.js';

/** The names a lowered function refers to, and renaming them (what linking files needs, linked.ts). */

async function lowered(text: string): Promise<LoweredFunction> {
  const macros = kernelMacros().forFile(text);
  const masked = maskAnnotations(text, macros);
  const p = await parseC(masked.text);
  if (p.kind !== 'parsed') throw new Error('did not parse');
  try {
    return lowerFunction(p.tree.rootNode.descendantsOfType('function_definition')[0]!, 'f', masked, macros);
  } finally {
    p.tree.delete();
  }
}

const SOURCE = `int f(struct foo *p, int (*cb)(void))
{
	int helper = 1;
	if (check(p))
		return cb();
	p->release = drop;
	return inner(p, helper) + inner(p, 0);
}`;

/** Every call's callee and every identifier, in the order met. */
function names(fn: LoweredFunction): string[] {
  const out: string[] = [];
  const walk = (e: Expr | null): void => {
    if (e === null) return;
    if (e.k === 'call' && e.callee !== null) out.push(`call ${e.callee}`);
    if (e.k === 'id') out.push(`id ${e.name}`);
    if (e.k === 'call') e.args.forEach(walk);
    if (e.k === 'assign' || e.k === 'binary') { walk(e.l); walk(e.r); }
    if (e.k === 'field') walk(e.base);
  };
  for (const i of fn.code) {
    if (i.op === 'eval') walk(i.e);
    if (i.op === 'decl') walk(i.init);
    if (i.op === 'br') walk(i.c);
    if (i.op === 'ret') walk(i.e);
  }
  return out;
}

describe('calledNames / renameIn', () => {
  it('lists the calls in order of first call, not a parameter or variable called or read; with values, names read too', async () => {
    const fn = await lowered(SOURCE);
    expect(calledNames(fn, false)).toEqual(['check', 'inner']);
    expect(calledNames(fn, true)).toEqual(['check', 'drop', 'inner']);
  });

  it('renames calls and references, leaves a variable of the same name alone, and does not change the original', async () => {
    const fn = await lowered(SOURCE);
    const before = JSON.stringify(fn);
    const r = renameIn(fn, 'b.c:f', new Map([['inner', 'b.c:inner'], ['drop', 'b.c:drop'], ['helper', 'b.c:helper'], ['cb', 'b.c:cb']]));
    expect(r.name).toBe('b.c:f');
    expect(names(r)).toContain('call b.c:inner');
    expect(names(r)).toContain('id b.c:drop');
    expect(names(r)).toContain('id helper');
    expect(names(r)).toContain('call cb');
    expect(names(r)).not.toContain('call inner');
    expect(JSON.stringify(fn)).toBe(before);
  });
});
