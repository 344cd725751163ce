/**
 * Global object ids: opaque to clients, versioned, and naming the provider so that the concrete
 * GraphQL type is known without any I/O (what `User.__resolveType` and federation need).
 *
 * Wire form: base64url of `rollcall:v1:<PROVIDER>:<native id>`. Decoding tells three cases apart:
 * - ours and valid → `{ provider, nativeId }`;
 * - ours but malformed (our prefix, a bad version, provider or empty native id) → BAD_USER_INPUT;
 * - not ours at all (another subgraph's id, garbage) → `null`, so `node`/`nodes` answer null for it.
 */
import { BadUserInputError, shownInput } from '../errors.js';

const PREFIX = 'rollcall:';
const VERSION = 'v1';

interface DecodedGlobalId {
  provider: string;
  nativeId: string;
}

export function encodeGlobalId(provider: string, nativeId: string): string {
  return Buffer.from(`${PREFIX}${VERSION}:${provider}:${nativeId}`, 'utf8').toString('base64url');
}

/**
 * Decodes an id; `null` when it is not a rollcall id. Throws BAD_USER_INPUT, naming `argument`, when it
 * is ours but broken, or names a provider not in `providers` (the registry's). The native part is
 * checked by the provider's rule afterwards (providers/core/reference.ts).
 */
export function decodeGlobalId(
  id: string,
  providers: ReadonlySet<string>,
  argument = 'id',
): DecodedGlobalId | null {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(id)) return null;
  // Only the prefix tells whether the id is ours: decode that much first, not a huge foreign string.
  if (!Buffer.from(id.slice(0, 16), 'base64url').toString('utf8').startsWith(PREFIX)) return null;
  const text = Buffer.from(id, 'base64url').toString('utf8');
  const [version, provider, ...rest] = text.slice(PREFIX.length).split(':');
  const nativeId = rest.join(':');
  const fail = (why: string) =>
    new BadUserInputError(`"${argument}" holds the id ${shownInput(id)}, which ${why}.`, { argument });
  if (version !== VERSION)
    throw fail(`has an unsupported version (${shownInput(version)}); only ${VERSION} ids are accepted`);
  if (!providers.has(provider)) throw fail('names an unknown provider');
  if (!nativeId) throw fail('has no provider user id');
  return { provider, nativeId };
}
