import type { Node, Point, TreeCursor } from 'web-tree-sitter';
import type { SourcePosition } from './functions.js';

/** Small helpers over tree-sitter's syntax tree: 1-based positions, short texts, a walk that cannot overflow the stack. */

export function position(p: Point): SourcePosition {
  return { line: p.row + 1, column: p.column + 1 };
}

/** tree-sitter's end is exclusive and 0-based: the same number is the 1-based column of the last character. */
export function endPosition(p: Point): SourcePosition {
  return p.column === 0 && p.row > 0 ? { line: p.row, column: 1 } : { line: p.row + 1, column: Math.max(p.column, 1) };
}

export function shorten(text: string, max = 40): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Pre-order walk with a cursor (no recursion: deep trees cannot overflow the stack). `visit`
 * returns whether to descend into the current node.
 */
export function walk(root: Node, visit: (cursor: TreeCursor) => boolean): void {
  const cursor = root.walk();
  try {
    let depth = 0;
    let descend = visit(cursor);
    for (;;) {
      if (descend && cursor.gotoFirstChild()) {
        depth++;
        descend = visit(cursor);
        continue;
      }
      while (depth > 0 && !cursor.gotoNextSibling()) {
        cursor.gotoParent();
        depth--;
      }
      if (depth === 0) return;
      descend = visit(cursor);
    }
  } finally {
    cursor.delete();
  }
}
