/**
 * Hostile documents (issue 13): small requests built to make a GraphQL server work hard: fragment
 * fan-out, deep nesting, alias floods, huge id lists, directive floods, duplicate operations and
 * introspection floods. Each must be refused with the code of the limit it hits, before any upstream
 * call; measuring it must cost work bounded by the document's size (counted in visits, not timed); and
 * the server must keep answering other requests while it is being sent, many at once.
 *
 * The time limits below are hang detectors (a request that never comes back fails the test instead of
 * the whole run), not performance assertions.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getOperationAST, parse, Lexer, Source, TokenKind } from 'graphql';
import {
  fullIntrospectionQuery,
  measureOperation,
  UNLIMITED,
  type OperationLimits,
} from '../../src/limits.js';
import { PROVIDER_IDS } from '../../src/providers/registry.js';
import { startHarness, type Harness } from '../support/harness.js';
import { graphql, http, type RawResponse } from '../support/safety.js';
import { subgraphSchema } from '../support/schema.js';

const HANG_MS = 5000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { ROLLCALL_RETRIES: '0' } });
});
afterAll(() => h.stop());

const upstreamCalls = () => PROVIDER_IDS.reduce((sum, p) => sum + h.emulator(p).calls.length, 0);

/** The defaults of the limits, as the server runs them (see src/config.ts). */
const LIMITS: OperationLimits = {
  maxTokens: 1000,
  maxNesting: 64,
  maxDepth: 15,
  maxAliases: 30,
  maxRootFields: 30,
  maxCost: 5000,
  defaultPageSize: 20,
};

function tokens(query: string): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

/**
 * Sends `copies` of a hostile request at once, together with `/health` and an ordinary query, and returns
 * the hostile answers once everything is back. The ordinary requests must succeed.
 */
async function underAttack(
  query: string,
  variables?: Record<string, unknown>,
  copies = 5,
  operationName?: string,
): Promise<RawResponse[]> {
  const hostile = Array.from({ length: copies }, () =>
    http(
      `${h.url}/graphql`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables, operationName }),
      },
      HANG_MS,
    ),
  );
  const health = http(`${h.url}/health`, {}, HANG_MS);
  const ordinary = graphql(h.url, '{ providers { provider enabled } }', undefined, HANG_MS);
  const [answers, healthAnswer, ordinaryAnswer] = await Promise.all([Promise.all(hostile), health, ordinary]);
  expect(healthAnswer.status).toBe(200);
  expect(ordinaryAnswer.json?.errors).toBeUndefined();
  expect(ordinaryAnswer.json?.data?.providers).toHaveLength(PROVIDER_IDS.length);
  return answers;
}

/** Every answer is the same refusal: HTTP status, code, limit. */
function refused(answers: RawResponse[], code: string, status: number, limit?: string) {
  for (const answer of answers) {
    expect(answer.status).toBe(status);
    const error = answer.json?.errors?.[0];
    expect(error?.extensions?.code).toBe(code);
    if (limit) expect(error?.extensions?.limit).toBe(limit);
    expect(answer.json?.data ?? null).toBeNull();
  }
  return answers[0].json!.errors![0];
}

/** Measuring the document costs at most one visit per token (and it is within the token limit). */
function boundedMeasure(query: string, variables: Record<string, unknown> = {}): void {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) return;
  let visits = 0;
  try {
    visits = measureOperation(subgraphSchema(), document, operation, variables, {
      ...UNLIMITED,
      defaultPageSize: LIMITS.defaultPageSize,
    }).visits;
  } catch {
    return;
  }
  expect(visits).toBeLessThanOrEqual(tokens(query));
}

function fragmentBomb(n: number): string {
  const fragments = Array.from(
    { length: n },
    (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
  );
  return `{ ...F0 }\n${fragments.join('\n')}\nfragment F${n} on Query { providers { provider } }`;
}

describe('hostile documents', () => {
  it('fragment fan-out: 26 fragments each spreading the next twice (1 KB) is refused by cost', async () => {
    const query = fragmentBomb(26);
    boundedMeasure(query);
    const error = refused(await underAttack(query), 'OPERATION_LIMIT_EXCEEDED', 400, 'cost');
    expect(error.message).toMatch(/ROLLCALL_MAX_COST/);
    // The same shape spread over a connection: refused too, whatever the fragment's parent type.
    const overUsers = `{ users(first: 100) { nodes { ...U0 } } }\n${Array.from(
      { length: 20 },
      (_, i) => `fragment U${i} on User { ...U${i + 1} ...U${i + 1} }`,
    ).join('\n')}\nfragment U20 on User { id }`;
    boundedMeasure(overUsers);
    refused(await underAttack(overUsers), 'OPERATION_LIMIT_EXCEEDED', 400, 'cost');
    expect(upstreamCalls()).toBe(0);
  });

  it('deep nesting: 3000 nested selections are refused before parsing (the parser would overflow its stack)', async () => {
    const query = `{ users { edges { node { ${'... on User { '.repeat(3000)}id${' }'.repeat(3000)} } } } }`;
    const error = refused(await underAttack(query), 'OPERATION_LIMIT_EXCEEDED', 400, 'nesting');
    expect(error.message).toMatch(/ROLLCALL_MAX_NESTING/);
    // Nested list values in an argument, the same way.
    const lists = `{ nodes(ids: ${'['.repeat(500)}"x"${']'.repeat(500)}) { id } }`;
    refused(await underAttack(lists), 'OPERATION_LIMIT_EXCEEDED', 400, 'nesting');
    // Within the nesting limit, a selection deeper than ROLLCALL_MAX_DEPTH is refused by depth.
    const deep = `{ __type(name: "Query") { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } }`;
    boundedMeasure(deep);
    refused(await underAttack(deep), 'OPERATION_LIMIT_EXCEEDED', 400, 'depth');
    expect(upstreamCalls()).toBe(0);
  });

  it('alias floods: refused by the alias limit, or by tokens before parsing when larger', async () => {
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: twilioConversationUsers(first: 1) { nodes { id } }`).join(' ')} }`;
    boundedMeasure(aliases(60));
    refused(await underAttack(aliases(60)), 'OPERATION_LIMIT_EXCEEDED', 400, 'aliases');
    refused(await underAttack(aliases(5000)), 'OPERATION_LIMIT_EXCEEDED', 400, 'tokens');
    // The same field without aliases, repeated: graphql-js compares repeated fields pairwise, so the token
    // limit is what keeps validation small; under it, the root-field limit refuses.
    const repeated = (n: number) => `{ ${'users { nodes { id } } '.repeat(n)}}`;
    refused(await underAttack(repeated(120)), 'OPERATION_LIMIT_EXCEEDED', 400, 'rootFields');
    refused(await underAttack(repeated(2000)), 'OPERATION_LIMIT_EXCEEDED', 400, 'tokens');
    expect(upstreamCalls()).toBe(0);
  });

  it('huge id lists: refused by tokens inline, by cost through variables and variable defaults', async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `id-${i}`);
    refused(
      await underAttack(`{ nodes(ids: ${JSON.stringify(ids(3000))}) { id } }`),
      'OPERATION_LIMIT_EXCEEDED',
      400,
      'tokens',
    );
    const byVariable =
      'query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { displayName email firstName lastName avatarUrl active } } }';
    boundedMeasure(byVariable, { ids: ids(20_000) });
    refused(await underAttack(byVariable, { ids: ids(20_000) }), 'OPERATION_LIMIT_EXCEEDED', 400, 'cost');
    const byDefault = `query ($ids: [ID!]! = ${JSON.stringify(ids(950))}) { nodes(ids: $ids) { id ... on User { displayName email firstName lastName avatarUrl active } } }`;
    boundedMeasure(byDefault);
    refused(await underAttack(byDefault), 'OPERATION_LIMIT_EXCEEDED', 400, 'cost');
    expect(upstreamCalls()).toBe(0);
  });

  it('directive floods: refused by tokens, or by validation under the token limit', async () => {
    refused(
      await underAttack(`{ providers${' @include(if: true)'.repeat(2000)} { provider } }`),
      'OPERATION_LIMIT_EXCEEDED',
      400,
      'tokens',
    );
    refused(
      await underAttack(`{ providers${' @include(if: true)'.repeat(120)} { provider } }`),
      'GRAPHQL_VALIDATION_FAILED',
      400,
    );
    const unknown = await underAttack(`{ providers${' @nope'.repeat(450)} { provider } }`);
    refused(unknown, 'GRAPHQL_VALIDATION_FAILED', 400);
    // graphql-js stops collecting validation errors at 100.
    expect(unknown[0].json!.errors!.length).toBeLessThanOrEqual(101);
    expect(upstreamCalls()).toBe(0);
  });

  it('duplicate operations: refused by validation or operation resolution, none executed', async () => {
    const operation = (name: string) =>
      `query ${name} { twilioConversationUsers(first: 1) { nodes { id } } }`;
    refused(
      await underAttack(`${operation('A')} ${operation('A')}`, undefined, 5, 'A'),
      'GRAPHQL_VALIDATION_FAILED',
      400,
    );
    const many = Array.from({ length: 40 }, (_, i) => operation(`Q${i}`)).join(' ');
    refused(await underAttack(many), 'OPERATION_RESOLUTION_FAILURE', 400);
    refused(
      await underAttack('{ providers { provider } } { providers { provider } }'),
      'GRAPHQL_VALIDATION_FAILED',
      400,
    );
    // With a name, only that operation is measured and run.
    const [one] = await underAttack(many, undefined, 1, 'Q7');
    expect(one.status).toBe(200);
    expect(h.emulator('TWILIO_CONVERSATIONS').calls).toHaveLength(1);
  });

  it('introspection floods: one full introspection is served, aliased copies are refused', async () => {
    h.reset();
    const full = fullIntrospectionQuery();
    const served = await graphql(h.url, full, undefined, HANG_MS);
    expect(served.json?.errors).toBeUndefined();
    expect(served.json?.data?.__schema).toBeDefined();
    // The same selection, aliased three times in one operation.
    const body = full.slice(
      full.indexOf('__schema {') + '__schema'.length,
      full.indexOf('fragment FullType'),
    );
    const selection = body.slice(0, body.lastIndexOf('}'));
    const flood = `${full.slice(full.indexOf('fragment FullType'))}\nquery Flood { ${[1, 2, 3]
      .map((i) => `s${i}: __schema ${selection}`)
      .join(' ')} }`;
    boundedMeasure(flood);
    const error = refused(
      await underAttack(flood, undefined, 5, 'Flood'),
      'OPERATION_LIMIT_EXCEEDED',
      400,
      'introspectionCost',
    );
    expect(error.message).toMatch(/ROLLCALL_MAX_INTROSPECTION_COST/);
    // Nesting introspection lists (types → fields → type → fields …) is graphql-js's own refusal.
    refused(
      await underAttack(
        '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
      ),
      'GRAPHQL_VALIDATION_FAILED',
      400,
    );
    expect(upstreamCalls()).toBe(0);
  });
});
