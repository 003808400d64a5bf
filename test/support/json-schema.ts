/**
 * A JSON Schema (draft-04) validator for the keywords the official SARIF 2.1.0 schema uses, and
 * no others: type, enum, properties, required, additionalProperties, items, minItems,
 * uniqueItems, minimum, maximum, pattern, format (uri, uri-reference, date-time), anyOf, oneOf
 * and local $ref. A keyword it does not know throws, so the schema cannot silently outgrow it.
 */

type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema', 'title', 'id', 'description', 'default', 'type', 'enum', 'properties', 'required', 'additionalProperties', 'items',
  'minItems', 'uniqueItems', 'minimum', 'maximum', 'pattern', 'format', 'anyOf', 'oneOf', '$ref', 'definitions',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function formatOk(format: string, v: string): boolean {
  switch (format) {
    case 'uri': return /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/.test(v);
    case 'uri-reference': return !/[\s#].*#|\s/.test(v) && !/%(?![0-9A-Fa-f]{2})/.test(v);
    case 'date-time': return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v);
    default: throw new Error(`json-schema: unknown format ${format}`);
  }
}

/**
 * The places where `value` breaks `schema` (empty: valid), as `path: reason`.
 * @example validate({ type: 'string' }, 1, {}) // ['$: expected string, got integer']
 */
export function validate(root: Schema, value: unknown, schema: Schema = root, path = '$'): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`json-schema: unsupported keyword ${k} at ${path}`);
  if (typeof schema.$ref === 'string') {
    const m = /^#\/definitions\/(.+)$/.exec(schema.$ref);
    if (!m) throw new Error(`json-schema: unsupported $ref ${schema.$ref}`);
    return validate(root, value, (root.definitions as Record<string, Schema>)[m[1]!]!, path);
  }
  const errors: string[] = [];
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((x) => x === t || (x === 'number' && t === 'integer'))) return [`${path}: expected ${types.join('|')}, got ${t}`];
  }
  if (schema.enum && !(schema.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value))) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errors.push(`${path}: missing required ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(root, v, props[k]!, `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: property ${k} is not allowed`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...validate(root, v, schema.additionalProperties as Schema, `${path}.${k}`));
    }
  }
  if (t === 'array') {
    const arr = value as unknown[];
    if (typeof schema.minItems === 'number' && arr.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.uniqueItems === true && new Set(arr.map((x) => JSON.stringify(x))).size !== arr.length) errors.push(`${path}: items are not unique`);
    if (schema.items) arr.forEach((x, i) => errors.push(...validate(root, x, schema.items as Schema, `${path}[${i}]`)));
  }
  if (t === 'integer' || t === 'number') {
    if (typeof schema.minimum === 'number' && (value as number) < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && (value as number) > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
  }
  if (t === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value as string)) errors.push(`${path}: does not match ${schema.pattern}`);
    if (typeof schema.format === 'string' && !formatOk(schema.format, value as string)) errors.push(`${path}: not a ${schema.format}`);
  }
  if (schema.anyOf && !(schema.anyOf as Schema[]).some((s) => validate(root, value, s, path).length === 0)) errors.push(`${path}: matches none of anyOf`);
  if (schema.oneOf && (schema.oneOf as Schema[]).filter((s) => validate(root, value, s, path).length === 0).length !== 1) errors.push(`${path}: does not match exactly one of oneOf`);
  return errors;
}
