/** Plain-text helpers shared by the reports, the command line and the diagram labels. */

/**
 * Splits text into lines of at most `width` characters at spaces.
 * @example wrap('a bb ccc', 4) // ['a bb', 'ccc']
 */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
