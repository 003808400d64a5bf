import { describeValue, errnoName, requireInt } from '../../../machines/index.js';
import type { ReturnedJson } from './types.js';

/**
 * How a create's return value is recorded: as JSON (kernel objects by the name reports give
 * them, without touching them through the model) and as text for a report.
 */

const MAX_DEPTH = 3;
const MAX_ITEMS = 16;

function isKernelObject(v: object): v is { describe(): string; kernel: unknown } {
  return 'kernel' in v && typeof (v as { describe?: unknown }).describe === 'function';
}

/**
 * A value as JSON: numbers, strings, booleans and null as they are, `undefined` as null, a kernel
 * object (device, allocation, IDA, driver, parent) as `{ object: <its report name> }`, arrays and
 * plain objects item by item (3 levels, 16 items), anything else by its kind. `depth` is the
 * levels already walked (0 from outside, the default); anything but 0 to 3 is a ParameterError.
 * @example valueToJson(-12) // -12
 * @example valueToJson(adev) // { object: 'auxiliary device my_mod.foo.0' }
 */
export function valueToJson(value: unknown, depth = 0): ReturnedJson {
  requireInt('valueToJson(depth)', depth, 0, MAX_DEPTH, 'the levels already walked: 0 from outside');
  if (value === null || value === undefined) return null;
  if (describeValue(value) === 'a revoked proxy') return { object: 'a revoked proxy' };
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
    case 'symbol':
      return String(value);
    case 'function':
      return '[function]';
    default:
      break;
  }
  const v = value as object;
  if (isKernelObject(v)) return { object: v.describe() };
  if (v instanceof Error) return { error: `${v.name}: ${v.message}` };
  if (depth >= MAX_DEPTH) return '[...]';
  if (Array.isArray(v)) return v.slice(0, MAX_ITEMS).map((x) => valueToJson(x, depth + 1));
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return `[${(v.constructor as { name?: string } | undefined)?.name ?? 'object'}]`;
  const out: { [key: string]: ReturnedJson } = {};
  for (const [k, x] of Object.entries(v).slice(0, MAX_ITEMS)) out[k] = valueToJson(x, depth + 1);
  return out;
}

/**
 * A value as a report prints it: `0`, `-12 (-ENOMEM)`, `NULL`, `auxiliary device my_mod.foo.0`,
 * `[auxiliary device a.b.0, auxiliary device a.b.1]`, ...
 * @example valueText(-17) // '-17 (-EEXIST)'
 */
export function valueText(value: unknown): string {
  if (value === null) return 'NULL';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') {
    const name = errnoName(value);
    return name ? `${value} (-${name})` : String(value);
  }
  return textOf(valueToJson(value));
}

function textOf(j: ReturnedJson): string {
  if (j === null) return 'NULL';
  if (typeof j === 'string') return j;
  if (typeof j !== 'object') return String(j);
  if (Array.isArray(j)) return `[${j.map(textOf).join(', ')}]`;
  if (typeof j.object === 'string' && Object.keys(j).length === 1) return j.object;
  if (typeof j.error === 'string' && Object.keys(j).length === 1) return j.error;
  return `{ ${Object.entries(j).map(([k, x]) => `${k}: ${textOf(x)}`).join(', ')} }`;
}
