/**
 * Response schemas: every 2xx body a provider client reads is checked against a JSON Schema before the
 * upstream client caches or returns it (`UpstreamRequest.schema`). Each provider's `wire.ts` writes its
 * schemas as `JSONSchemaType<T>`, so the compiler checks each schema against the wire type it guards,
 * and compiles them once with the one `Ajv` instance here.
 *
 * Why ajv (not a TS-first library such as zod): it is already a dependency; the schemas are standard JSON
 * Schema, which emulators, docs and tests can use as they are; `JSONSchemaType<T>` ties a schema to its TS
 * type; and compiled validators are fast (a 1000-user CometChat page is checked on every cache read).
 */
import { Ajv, type ErrorObject, type JSONSchemaType, type ValidateFunction } from 'ajv';

export type { JSONSchemaType };

/** A compiled response schema: a type guard that keeps the errors of its last failed check. */
export type ResponseSchema<T> = ValidateFunction<T>;

/**
 * The one Ajv instance of the response schemas: strict (a typo in a schema fails at start), stopping at the
 * first error (the one reported), with `type: [...]` allowed for the few union-typed fields (Voximplant's
 * decimals, numbers or numeric strings). `nullable` is the keyword `JSONSchemaType` uses for `| null`.
 */
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

/** Compiles a response schema once, at module load. */
export function compileResponseSchema<T>(schema: JSONSchemaType<T>): ResponseSchema<T> {
  return ajv.compile(schema);
}

/** A JSON-pointer segment fit to print: an array index or a plain property name; anything else is `*`. */
function safeSegment(segment: string): string {
  return /^\d{1,9}$/.test(segment) || /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(segment) ? segment : '*';
}

/**
 * `unexpected response shape: <JSON path> <rule>` for the first error of a failed check, e.g.
 * `unexpected response shape: /users/3/sid must be string`. ajv's messages state the rule (and the
 * schema's own names and patterns), never the value; a path segment that is not a plain name or an index
 * (a key that came from the data) is shown as `*`, so nothing of the body is echoed.
 */
export function shapeErrorMessage(errors: readonly ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return 'unexpected response shape';
  const segments = first.instancePath === '' ? [] : first.instancePath.split('/').slice(1);
  const path = segments.length === 0 ? '(root)' : `/${segments.map(safeSegment).join('/')}`;
  return `unexpected response shape: ${path} ${first.message ?? 'is invalid'}`;
}
