/**
 * Lookups shared by every provider's resolvers: a user by global id, and a federation reference that
 * carries either the global id or the provider's native key. Both go through the provider session's
 * by-id loader, so they batch and share its cache with everything else in the operation.
 */
import type { RequestContext } from '../context.js';
import { decodeGlobalId } from '../relay/globalId.js';
import type { ProviderId } from './ids.js';
import type { UserRecord } from './provider.js';

/** A user by global id; null when the id is not rollcall's or names another provider than `expected`. */
export async function userByGlobalId(
  context: RequestContext,
  id: string,
  expected?: ProviderId,
): Promise<UserRecord | null> {
  const decoded = decodeGlobalId(id);
  if (!decoded || (expected && decoded.provider !== expected)) return null;
  return context.sessionFor(decoded.provider).byId(decoded.nativeId);
}

/** Resolves `{id}` or `{<nativeKey>}` representations of one provider's user type. */
export async function userByReference(
  context: RequestContext,
  provider: ProviderId,
  nativeKey: string,
  reference: { id?: string | null } & Record<string, unknown>,
): Promise<UserRecord | null> {
  const native = reference[nativeKey];
  if (native !== undefined && native !== null) return context.sessionFor(provider).byId(String(native));
  if (typeof reference.id === 'string') return userByGlobalId(context, reference.id, provider);
  return null;
}
