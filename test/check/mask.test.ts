import { describe, expect, it } from 'vitest';
import { maskAnnotations } from '../../src/check/mask.js';

/** Kernel annotation macros blanked as a preprocessor given their definitions would, lines and columns kept. */
describe('maskAnnotations', () => {
  it('blanks bare annotations and keeps every other character where it was', () => {
    const text = 'static int __init foo(void __iomem *p)\n{\n\treturn 0;\n}\n';
    const m = maskAnnotations(text);
    expect(m.text.length).toBe(text.length);
    expect(m.text).toBe('static int        foo(void         *p)\n{\n\treturn 0;\n}\n');
    expect(m.masked).toBe(2);
  });

  it('remembers __free(fn) where it stood, for the declaration that holds it', () => {
    const text = 'void f(void) { struct foo *p __free(kfree) = NULL; }';
    const m = maskAnnotations(text);
    expect(m.text).toBe('void f(void) { struct foo *p               = NULL; }');
    expect([...m.cleanups]).toEqual([[text.indexOf('__free'), 'kfree']]);
  });

  it('reads an iterator macro that heads a statement as a while loop, and leaves a call of one alone', () => {
    const text = 'list_for_each_entry(x, &h, node) {\n}\nn = count_for_each(a);';
    const m = maskAnnotations(text);
    expect(m.text.startsWith('while              (x, &h, node) {')).toBe(true);
    expect(m.text.endsWith('n = count_for_each(a);')).toBe(true);
    expect([...m.iterators]).toEqual([0]);
  });

  it('issue 14: scope macros from the kernel headers become statements in the same columns: scoped_guard an if, scoped_cond_guard (and a wrapper such as iio_device_claim_direct_scoped) an if with its fail statement in place and an else', () => {
    const text = '\tscoped_guard(mutex, &h->lock) {\n\t}\n\tscoped_cond_guard(mutex_intr, return -EINTR, &h->lock) {\n\t}\n\tx = scoped_guard_count(a);\n' +
      '\tiio_device_claim_direct_scoped(return -EBUSY, indio_dev) {\n\t}';
    const m = maskAnnotations(text);
    expect(m.text).toBe('\tif          (mutex, &h->lock) {\n\t}\n\tif(0)                         return -EINTR;      else {\n\t}\n\tx = scoped_guard_count(a);\n' +
      '\tif(0)                          return -EBUSY;       else {\n\t}');
    expect(m.text.length).toBe(text.length);
    expect([...m.statements]).toEqual([
      [1, 'scoped_guard'], [text.indexOf('scoped_cond_guard'), 'scoped_cond_guard'], [text.indexOf('iio_device'), 'iio_device_claim_direct_scoped'],
    ]);
    expect([...m.iterators]).toEqual([]);
  });

  it('issue 14: a loop macro the headers define is a loop whatever its name, and may have an empty body; a file\'s own for_each macro still is one', () => {
    const text = 'skb_queue_walk(&q, skb) {\n}\nlist_for_each(p, h);\nfoo_for_each_port(h, p) {\n}';
    const m = maskAnnotations(text);
    expect(m.text).toBe('while         (&q, skb) {\n}\nwhile        (p, h);\nwhile            (h, p) {\n}');
    expect([...m.statements.values()]).toEqual(['skb_queue_walk', 'list_for_each', 'foo_for_each_port']);
  });

  it('leaves comments, strings and character literals untouched', () => {
    const text = '/* __init */ const char *s = "__iomem"; // __free(kfree)\nchar c = \'_\';';
    expect(maskAnnotations(text)).toEqual({ text, cleanups: new Map(), attributeCleanups: new Set(), masked: 0, iterators: new Set(), statements: new Map() });
  });

  it('joins a type argument of container_of and its kin into one identifier (struct foo → struct_foo, same columns), so a statement such as kfree(container_of(...)) parses as a call', () => {
    const text = '\tkfree(container_of(dev, struct quill_cpu_adev, adev.dev));\nx = list_first_entry(&h, union  u, node);\ny = container_of(p, typeof(*x), m);\nz = sizeof(struct foo);';
    const m = maskAnnotations(text);
    expect(m.text).toBe('\tkfree(container_of(dev, struct_quill_cpu_adev, adev.dev));\nx = list_first_entry(&h, union__u, node);\ny = container_of(p, typeof(*x), m);\nz = sizeof(struct foo);');
    expect(m.text.length).toBe(text.length);
    expect(m.masked).toBe(2);
  });
});
