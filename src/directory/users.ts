/**
 * The unified `users` connection: every included source's users as one Relay connection, walked by
 * provider in the fixed registry order and, within a provider, source by source in their configured order
 * (backward: the reverse). `providers:` and `sources:` narrow the walk.
 *
 * ## Cursor
 * An edge's cursor is the walk's state right after that edge: the edge's source `p` with that source's
 * own cursor `c`, the direction `d` it was made in, and `s`, the sources whose position differs from what
 * their place in the order implies. Implied positions, relative to `p` in walk order: sources before `p`
 * are done, sources after `p` have not started. `s` records the exceptions: a source that failed earlier
 * in the walk (its position is kept, so the next page retries it first and nothing is lost), or a later
 * source that was already partly read. Used in the other direction, `s` is ignored: walking back from an
 * edge covers everything before it anyway. Cursors bind to the walk's source list (`users:<names>`).
 *
 * ## Concurrency
 * Upstream calls for several sources run concurrently when the window will need them: a source whose size
 * is known (from `SizeHints`, learnt from earlier responses) tells how much of the window it can fill, so
 * the next source's first page is requested in the same batch. A stale hint costs at most one re-request;
 * results are always checked, never trusted from the hint.
 *
 * ## Partial failure
 * A failing source is skipped for this page (its position stays in the cursor); the others still answer,
 * and the failure is reported as an error at the field's path with the provider, source and code.
 */
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../context.js';
import {
  BadUserInputError,
  ErrorCode,
  ProviderNotConfiguredError,
  shownInput,
  UpstreamError,
} from '../errors.js';
import type { ProviderId } from '../providers/core/record.js';
import type { UserRecord } from '../providers/core/record.js';
import type { ProviderSession } from '../providers/core/session.js';
import { parsePageRequest, type ConnectionArgs, type ProviderPage } from '../relay/connection.js';
import type { CursorPayload } from '../relay/cursor.js';

/** A provider's position in a walk: done, not started (`null`), or after/before a provider cursor. */
type Position = 'done' | null | CursorPayload;

interface UsersCursor {
  p: ProviderId;
  c: CursorPayload;
  d: 'f' | 'b';
  /** Set when the edge is its provider's last in direction `d`: paging on starts at the next provider. */
  e?: true;
  s?: Record<string, Position>;
  [key: string]: CursorPayload | undefined;
}

export interface UsersConnectionSource {
  edges: { cursor: string; node: UserRecord }[];
  nodes: UserRecord[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  /** Resolved only when asked for: it may cost an upstream call per countable provider. */
  totalCount: () => Promise<number | null>;
}

export interface DirectoryProvider {
  id: ProviderId;
  backward: boolean;
  countable: boolean;
}

/** Last known sizes of the sources' unfiltered lists (by source name), shared by every request of a process. */
export class SizeHints {
  private readonly sizes = new Map<ProviderId, number>();
  get(provider: ProviderId): number | undefined {
    return this.sizes.get(provider);
  }
  set(provider: ProviderId, size: number): void {
    this.sizes.set(provider, size);
  }
}

interface UsersArgs extends ConnectionArgs {
  providers?: readonly ProviderId[] | null;
  sources?: readonly string[] | null;
}

/** One source in the walk: `id` is its name (walk positions, cursors and hints are by source). */
interface WalkUnit {
  id: string;
  provider: ProviderId;
  backward: boolean;
  countable: boolean;
}

/** BAD_USER_INPUT naming the names in `asked` that are no source of this instance, and its sources. */
export function checkSourceNames(context: RequestContext, asked: readonly string[], argument: string): void {
  const unknown = asked.filter((name) => !context.sources.some((source) => source.name === name));
  if (unknown.length === 0) return;
  const shown = unknown.slice(0, 3).map((name) => shownInput(name));
  const more = unknown.length > 3 ? ` and ${unknown.length - 3} more` : '';
  const names = context.sources.map((source) => source.name);
  throw new BadUserInputError(
    `"${argument}" names no source of this instance: ${shown.join(', ')}${more}. Its sources: ${names.join(', ')}.`,
    { argument, sources: names },
  );
}

/** The sources `args` selects, in walk order; BAD_USER_INPUT / PROVIDER_NOT_CONFIGURED for unknown ones. */
function includedSources(
  context: RequestContext,
  args: UsersArgs,
  directory: readonly DirectoryProvider[],
): WalkUnit[] {
  let units: WalkUnit[] = context.sources.flatMap((source) => {
    const provider = directory.find((p) => p.id === source.provider);
    return provider
      ? [
          {
            id: source.name,
            provider: source.provider,
            backward: provider.backward,
            countable: provider.countable,
          },
        ]
      : [];
  });
  if (args.providers) {
    const asked = new Set(args.providers);
    const missing = [...asked].filter((id) => !units.some((unit) => unit.provider === id));
    if (missing.length > 0) throw new ProviderNotConfiguredError(missing[0]);
    units = units.filter((unit) => asked.has(unit.provider));
  }
  if (args.sources) {
    const asked = new Set(args.sources);
    checkSourceNames(context, [...asked], 'sources');
    units = units.filter((unit) => asked.has(unit.id));
  }
  return units;
}

export async function resolveUsers(
  context: RequestContext,
  args: UsersArgs,
  directory: readonly DirectoryProvider[],
  hints: SizeHints,
  reportError: (error: GraphQLError) => void,
): Promise<UsersConnectionSource> {
  const included = includedSources(context, args, directory);
  const ids = included.map((unit) => unit.id);
  const providerOf = new Map(included.map((unit) => [unit.id, unit.provider]));
  /** The operation's session of source `id` (one of `ids`). */
  const sessionOf = (id: string) => context.sessionFor(providerOf.get(id) ?? '', id);
  const name = `users:${ids.join(',')}`;
  const request = parsePageRequest(args, context.limits, (cursor, argument) =>
    validateCursor(context.cursors.decode(cursor, name, argument), ids, sessionOf, argument),
  );
  if (request.direction === 'backward') {
    const forwardOnly = [...new Set(included.filter((p) => !p.backward).map((p) => p.provider))];
    if (forwardOnly.length > 0) {
      throw new BadUserInputError(
        `"last"/"before" need every provider in the connection to page backward; ${forwardOnly.join(', ')} pages forward only. Use "first"/"after", or leave ${forwardOnly.join(', ')} out with "providers".`,
        { argument: 'last', providers: forwardOnly },
      );
    }
  }

  const forward = request.direction === 'forward';
  const walk = forward ? ids : [...ids].reverse();
  const anchor = request.direction === 'forward' ? request.after : request.before;
  const state = initialState(walk, anchor, forward ? 'f' : 'b');
  const failed = new Set<ProviderId>();
  const fail = (source: string, error: unknown) => {
    failed.add(source);
    reportError(asProviderError(providerOf.get(source) ?? source, source, error));
  };
  const pageOf = (source: string, size: number, from: Position) =>
    sessionOf(source).page(
      forward ? { direction: 'forward', size, after: from } : { direction: 'backward', size, before: from },
    );

  const taken: {
    provider: ProviderId;
    cursor: CursorPayload;
    node: UserRecord;
    /** The provider's last edge in the walk's direction (its page said no more). */
    last?: true;
    s: Record<string, Position>;
  }[] = [];
  let need = request.size;
  let endsInsideProvider = false;
  const probed = new Map<ProviderId, { page: ProviderPage<UserRecord> } | { error: unknown }>();
  const pending = () => walk.filter((p) => state.get(p) !== 'done' && !failed.has(p));

  walking: while (need > 0 && pending().length > 0) {
    const batch = planBatch(pending(), state, need, hints, forward);
    const results = await Promise.all(
      batch.map(({ provider, size }) =>
        pageOf(provider, size, state.get(provider) ?? null).then(
          (page) => ({ page }),
          (error: unknown) => ({ error }),
        ),
      ),
    );
    for (const [index, { provider, size }] of batch.entries()) {
      const result = results[index];
      if (need === 0) {
        // Past the window: a probe of what follows, read below for hasNextPage.
        probed.set(provider, result);
        continue;
      }
      if ('error' in result) {
        fail(provider, result.error);
        continue;
      }
      const from = state.get(provider) ?? null;
      const inWalkOrder = forward ? result.page.edges : [...result.page.edges].reverse();
      const used = inWalkOrder.slice(0, need);
      for (const edge of used) {
        state.set(provider, edge.cursor);
        taken.push({ provider, cursor: edge.cursor, node: edge.node, s: exceptions(walk, state, provider) });
      }
      need -= used.length;
      const more = forward ? result.page.hasNextPage : result.page.hasPreviousPage;
      if (used.length === 0 && more) {
        // An empty page that claims more would loop forever: treat the provider as failing.
        fail(
          provider,
          new UpstreamError({
            provider: providerOf.get(provider) ?? provider,
            code: ErrorCode.UPSTREAM_BAD_RESPONSE,
            message: 'an empty page claimed more users',
          }),
        );
        continue;
      }
      if (used.length === inWalkOrder.length && !more) {
        state.set(provider, 'done');
        const lastTaken = taken.at(-1);
        if (used.length > 0 && lastTaken) lastTaken.last = true;
        learn(hints, provider, from, result.page, size);
        continue;
      }
      if (need === 0) {
        endsInsideProvider = true;
        break walking;
      }
      // The provider has more than the hints promised: re-plan from here (later results are discarded).
      continue walking;
    }
  }

  let hasMore = endsInsideProvider || walk.some((p) => failed.has(p) && state.get(p) !== 'done');
  if (!hasMore && need === 0) {
    // The window ended exactly at a provider's end: does a later provider have users? (Probes the
    // batch already made are used first; the others cost a 1-user page each, in order.)
    for (const provider of pending()) {
      // A provider not started yet has users after (or before) the window if it has any at all: one
      // 1-user page from its start tells, in either direction (from its end would cost a token-paged
      // list every page, and a counted list a probe of its total first).
      const from = state.get(provider) ?? null;
      const probe =
        probed.get(provider) ??
        (await (
          from === null
            ? sessionOf(provider).page({ direction: 'forward', size: 1, after: null })
            : pageOf(provider, 1, from)
        ).then(
          (page) => ({ page }),
          (error: unknown) => ({ error }),
        ));
      if ('error' in probe) {
        fail(provider, probe.error);
        hasMore = true;
        break;
      }
      if (probe.page.edges.length > 0) {
        hasMore = true;
        break;
      }
      state.set(provider, 'done');
    }
  }

  const ordered = forward ? taken : [...taken].reverse();
  const edges = ordered.map((edge) => {
    const cursor: { [key: string]: CursorPayload } = {
      p: edge.provider,
      c: edge.cursor,
      d: forward ? 'f' : 'b',
    };
    if (edge.last) cursor.e = true;
    if (Object.keys(edge.s).length > 0) cursor.s = edge.s;
    return { cursor: context.cursors.encode(name, cursor), node: edge.node };
  });
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: forward ? hasMore : anchor !== null,
      hasPreviousPage: forward ? anchor !== null : hasMore,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: async () => {
      if (included.some((p) => !p.countable)) return null;
      const pages = await Promise.all(
        ids.map((id) => sessionOf(id).page({ direction: 'forward', size: 0, after: null })),
      );
      let total = 0;
      for (const { totalCount } of pages) {
        if (totalCount === null) return null;
        total += totalCount;
      }
      return total;
    },
  };
}

/**
 * Which providers to ask in one concurrent batch: the first pending one, plus each following one while
 * the ones before it are known (by hint) to leave part of the window unfilled.
 */
function planBatch(
  pending: ProviderId[],
  state: Map<ProviderId, Position>,
  need: number,
  hints: SizeHints,
  /** Probe what follows in the same round (forward only: a probe's page may turn out to be data). */
  probeAhead: boolean,
): { provider: ProviderId; size: number }[] {
  const batch: { provider: ProviderId; size: number }[] = [];
  let expected = 0;
  for (const [index, provider] of pending.entries()) {
    batch.push({ provider, size: need - expected });
    const size = state.get(provider) === null ? hints.get(provider) : undefined;
    if (size === undefined) break;
    expected += size;
    if (expected === need && probeAhead) {
      // The window should end exactly at this provider's end: probe what follows in the same round (up
      // to the first provider not known to be empty) instead of a second round after it.
      for (const next of pending.slice(index + 1)) {
        batch.push({ provider: next, size: 1 });
        if (hints.get(next) !== 0 || state.get(next) !== null) break;
      }
    }
    if (expected >= need) break;
  }
  return batch;
}

/** Remembers a provider's size when a walk read it whole from its start, or the page said its total. */
function learn(
  hints: SizeHints,
  provider: ProviderId,
  from: Position,
  page: ProviderPage<UserRecord>,
  requested: number,
): void {
  if (page.totalCount !== null) hints.set(provider, page.totalCount);
  else if (from === null && page.edges.length < requested) hints.set(provider, page.edges.length);
}

function initialState(
  walk: ProviderId[],
  anchor: UsersCursor | null,
  direction: 'f' | 'b',
): Map<ProviderId, Position> {
  const state = new Map<ProviderId, Position>(walk.map((p) => [p, null]));
  if (!anchor) return state;
  const at = walk.indexOf(anchor.p);
  const exceptions = anchor.d === direction ? (anchor.s ?? {}) : {};
  walk.forEach((provider, index) => {
    // Paging on in the direction the cursor was issued in, from a provider's last edge: it is done.
    if (provider === anchor.p) state.set(provider, anchor.e && anchor.d === direction ? 'done' : anchor.c);
    else if (provider in exceptions) state.set(provider, exceptions[provider]);
    else state.set(provider, index < at ? 'done' : null);
  });
  return state;
}

/** The positions that differ from the implied ones, relative to `current`. */
function exceptions(
  walk: ProviderId[],
  state: Map<ProviderId, Position>,
  current: ProviderId,
): Record<string, Position> {
  const at = walk.indexOf(current);
  const result: Record<string, Position> = {};
  walk.forEach((provider, index) => {
    if (provider === current) return;
    const position = state.get(provider) ?? null;
    const implied = index < at ? 'done' : null;
    if (position !== implied) result[provider] = position;
  });
  return result;
}

function validateCursor(
  payload: CursorPayload,
  included: string[],
  sessionOf: (source: string) => ProviderSession,
  argument: string,
): UsersCursor {
  const bad = () =>
    new BadUserInputError(`Argument "${argument}" is not a valid cursor for this connection: bad position.`, {
      argument,
    });
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw bad();
  const { p, c, d, s, e } = payload;
  if (
    typeof p !== 'string' ||
    !included.includes(p) ||
    (d !== 'f' && d !== 'b') ||
    c === undefined ||
    (e !== undefined && e !== true)
  )
    throw bad();
  const checkPosition = (provider: ProviderId, position: Position): Position =>
    position === 'done' || position === null
      ? position
      : sessionOf(provider).validateCursor(position, argument);
  const cursor: UsersCursor = { p, c: checkPosition(p, c), d };
  if (e === true) cursor.e = true;
  if (s !== undefined) {
    if (!s || typeof s !== 'object' || Array.isArray(s)) throw bad();
    cursor.s = {};
    for (const [provider, position] of Object.entries(s)) {
      if (!included.includes(provider) || provider === p) throw bad();
      cursor.s[provider] = checkPosition(provider, position);
    }
  }
  return cursor;
}

/**
 * What a provider's failure inside `users` is reported as. Upstream failures and rollcall's own refusals
 * (a limit, bad input) keep their code; anything else is a bug: INTERNAL_SERVER_ERROR carrying the
 * original error, which the server logs with its stack and masks in production. Never an UPSTREAM_* code
 * for something the provider did not do.
 */
function asProviderError(provider: ProviderId, source: string, error: unknown): GraphQLError {
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string')
    return new GraphQLError(error.message, {
      originalError: error,
      extensions: { ...error.extensions, provider, source },
    });
  return new GraphQLError(`${provider} (${source}): internal error while reading the provider`, {
    originalError: error instanceof Error ? error : new Error(String(error)),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, provider, source },
  });
}

/** The error reported for a failed provider, at the path of the field that walked it. */
export function atPath(error: GraphQLError, path: readonly (string | number)[]): GraphQLError {
  return new GraphQLError(error.message, {
    path,
    extensions: error.extensions,
    originalError: error.originalError ?? error,
  });
}
