/**
 * Lookups shared by every provider's resolvers: a user by native id, by global id, and a federation
 * reference that carries either the global id or the provider's native key. Every id is checked against
 * the provider's native id rule first (malformed: BAD_USER_INPUT; impossible: null, with no call), then
 * goes through the provider session's by-id loader, so lookups batch and share its cache with everything
 * else in the operation.
 */
import type { RequestContext } from '../../context.js';
import { BadUserInputError } from '../../errors.js';
import { decodeGlobalId } from '../../relay/globalId.js';
import type { ProviderId, UserRecord } from './record.js';

/** A user by native id given as `argument`, from `source` (undefined: the provider's default source). */
export async function userByNativeId(
  context: RequestContext,
  provider: ProviderId,
  value: string,
  argument: string,
  source?: string,
): Promise<UserRecord | null> {
  const id = context.nativeId(provider, value, argument);
  return id === null ? null : context.sessionFor(provider, source).byId(id);
}

/**
 * A user by native id alone, as a federation representation gives it (`{sid}`): with several sources of
 * the provider the id is ambiguous, so each source is asked, the default first, and the first that has
 * the user answers. Each ask goes through that source's by-id loader, so it batches with the operation's
 * other lookups and counts against that source's lookup budget.
 */
async function userInAnySource(
  context: RequestContext,
  provider: ProviderId,
  value: string,
  argument: string,
): Promise<UserRecord | null> {
  const id = context.nativeId(provider, value, argument);
  if (id === null) return null;
  const fallback = context.sessionFor(provider);
  const others = context.sources.filter(
    (source) => source.provider === provider && source.name !== fallback.source,
  );
  // A source that fails does not hide the user another source has; with no answer, the failure stands.
  let failure: { reason: unknown } | undefined;
  try {
    const first = await fallback.byId(id);
    if (first) return first;
  } catch (error) {
    failure = { reason: error };
  }
  const asked = await Promise.allSettled(
    others.map((source) => context.sessionFor(provider, source.name).byId(id)),
  );
  for (const outcome of asked) {
    if (outcome.status === 'fulfilled' && outcome.value) return outcome.value;
    if (outcome.status === 'rejected') failure ??= { reason: outcome.reason };
  }
  if (failure) throw failure.reason;
  return null;
}

/**
 * A global id checked all the way down: null when it is not a rollcall id; `nativeId` null when it names
 * a user that cannot exist; BAD_USER_INPUT when it is ours but broken (version, provider, native part).
 */
export function parseGlobalId(
  context: RequestContext,
  id: string,
  argument = 'id',
): { provider: ProviderId; source: string | null; nativeId: string | null } | null {
  const decoded = decodeGlobalId(id, context.providers, argument);
  if (!decoded) return null;
  return {
    provider: decoded.provider,
    source: decoded.source,
    nativeId: context.nativeId(decoded.provider, decoded.nativeId, `${argument} (its provider user id)`),
  };
}

/** A user by global id; null when the id is not rollcall's or names another provider than `expected`. */
export async function userByGlobalId(
  context: RequestContext,
  id: string,
  expected?: ProviderId,
  argument = 'id',
): Promise<UserRecord | null> {
  const parsed = parseGlobalId(context, id, argument);
  if (!parsed || parsed.nativeId === null || (expected && parsed.provider !== expected)) return null;
  // A v1 id (issued before sources) names no source: its provider's default source answers it.
  return context.sessionFor(parsed.provider, parsed.source).byId(parsed.nativeId);
}

/** Resolves `{id}` or `{<nativeKey>}` representations of one provider's user type. */
export async function userByReference(
  context: RequestContext,
  provider: ProviderId,
  nativeKey: string,
  reference: { id?: unknown } & Record<string, unknown>,
): Promise<UserRecord | null> {
  const native = reference[nativeKey];
  if (native !== undefined && native !== null) {
    if (typeof native !== 'string' && typeof native !== 'number')
      throw new BadUserInputError(`A representation's "${nativeKey}" must be a string.`, {
        argument: 'representations',
      });
    return userInAnySource(context, provider, String(native), `representations.${nativeKey}`);
  }
  if (reference.id !== undefined && reference.id !== null)
    return userByGlobalId(context, globalIdOf(reference), provider, 'representations.id');
  throw new BadUserInputError(`A representation needs "id" (a global id) or "${nativeKey}".`, {
    argument: 'representations',
  });
}

/** The `id` of a `{__typename: "User", id}` representation, which must be a string. */
export function globalIdOf(reference: { id?: unknown }): string {
  if (typeof reference.id !== 'string')
    throw new BadUserInputError('A representation\'s "id" must be a string (a global id).', {
      argument: 'representations',
    });
  return reference.id;
}
