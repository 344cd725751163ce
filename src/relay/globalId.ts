/**
 * Global object ids: opaque to clients, versioned, and naming the provider so that the concrete
 * GraphQL type is known without any I/O (what `User.__resolveType` and federation need).
 *
 * Wire form: base64url of `rollcall:v1:<PROVIDER>:<native id>`. Decoding tells three cases apart:
 * - ours and valid → `{ provider, nativeId }`;
 * - ours but malformed (our prefix, a bad version, provider or empty native id) → BAD_USER_INPUT;
 * - not ours at all (another subgraph's id, garbage) → `null`, so `node`/`nodes` answer null for it.
 */
import { BadUserInputError } from '../errors.js';
import { isProviderId, type ProviderId } from '../providers/ids.js';

const PREFIX = 'rollcall:';
const VERSION = 'v1';

export interface DecodedGlobalId {
  provider: ProviderId;
  nativeId: string;
}

export function encodeGlobalId(provider: ProviderId, nativeId: string): string {
  return Buffer.from(`${PREFIX}${VERSION}:${provider}:${nativeId}`, 'utf8').toString('base64url');
}

/** Decodes an id; `null` when it is not a rollcall id. Throws BAD_USER_INPUT when it is ours but broken. */
/** An id as it may appear in an error message: never more than 64 characters of client input. */
function shown(id: string): string {
  return id.length > 64 ? `${id.slice(0, 61)}...` : id;
}

export function decodeGlobalId(id: string): DecodedGlobalId | null {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(id)) return null;
  const text = Buffer.from(id, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX)) return null;
  const [version, provider, ...rest] = text.slice(PREFIX.length).split(':');
  const nativeId = rest.join(':');
  if (version !== VERSION) {
    throw new BadUserInputError(
      `id "${shown(id)}" has an unsupported version (${version}); only ${VERSION} ids are accepted.`,
      {
        argument: 'id',
      },
    );
  }
  if (!isProviderId(provider)) {
    throw new BadUserInputError(`id "${shown(id)}" names an unknown provider.`, { argument: 'id' });
  }
  if (!nativeId)
    throw new BadUserInputError(`id "${shown(id)}" has no provider user id.`, { argument: 'id' });
  return { provider, nativeId };
}
