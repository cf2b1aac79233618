// Checking a payload against its JSON Schema in the browser before it is sent (the backend
// checks again). Schemas are compiled once each.
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
const cache = new WeakMap<object, ValidateFunction | Error>();

export interface Check {
  ok: boolean;
  /** Set when the text is not JSON at all. */
  parseError: string | null;
  issues: string[];
  value: unknown;
}

function compile(schema: unknown): ValidateFunction | Error {
  if (typeof schema === 'boolean') return ajv.compile(schema as never);
  if (schema === null || typeof schema !== 'object') return new Error('no schema');
  const hit = cache.get(schema);
  if (hit) return hit;
  let out: ValidateFunction | Error;
  try {
    const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
    out = ajv.compile(rest);
  } catch (e) {
    out = e instanceof Error ? e : new Error(String(e));
  }
  cache.set(schema, out);
  return out;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(root)';
  if (e.keyword === 'required') return `${where === '(root)' ? '' : `${where}.`}${String(e.params.missingProperty)}: required property is missing`;
  return `${where}: ${e.message ?? e.keyword}`;
}

/** Parse `text` and check it against `schema`. */
export function checkPayload(text: string, schema: unknown): Check {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, parseError: `not valid JSON: ${(e as Error).message}`, issues: [], value: undefined };
  }
  const validate = compile(schema);
  if (validate instanceof Error) {
    // The browser could not compile this schema; the backend still validates.
    return { ok: true, parseError: null, issues: [], value };
  }
  const ok = validate(value) as boolean;
  return { ok, parseError: null, issues: ok ? [] : (validate.errors ?? []).map(describe), value };
}
