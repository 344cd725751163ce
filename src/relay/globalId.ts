/**
 * Global object ids: opaque to clients, versioned, and naming the provider and the source (account) so
 * that the concrete GraphQL type and the account to ask are known without any I/O (what
 * `User.__resolveType` and federation need).
 *
 * Wire form: base64url of `rollcall:v2:<PROVIDER>:<source>:<native id>`. Ids issued before sources
 * existed, `rollcall:v1:<PROVIDER>:<native id>`, still decode, with no source: they resolve against their
 * provider's default source. Decoding tells three cases apart:
 * - ours and valid → `{ provider, source, nativeId }`;
 * - ours but malformed (our prefix, a bad version, provider, source or empty native id) → BAD_USER_INPUT;
 * - not ours at all (another subgraph's id, garbage) → `null`, so `node`/`nodes` answer null for it.
 */
import { BadUserInputError, shownInput } from '../errors.js';

const PREFIX = 'rollcall:';
const VERSION = 'v2';
/** What a source name looks like: operator-chosen, stable (it is part of ids and cursors). */
export const SOURCE_NAME = /^[a-z0-9-]{1,32}$/;

export interface DecodedGlobalId {
  provider: string;
  /** The source the id names; null for a v1 id (its provider's default source). */
  source: string | null;
  nativeId: string;
}

export function encodeGlobalId(provider: string, source: string, nativeId: string): string {
  return Buffer.from(`${PREFIX}${VERSION}:${provider}:${source}:${nativeId}`, 'utf8').toString('base64url');
}

/**
 * Decodes an id; `null` when it is not a rollcall id. Throws BAD_USER_INPUT, naming `argument`, when it
 * is ours but broken, or names a provider not in `providers` (the registry's). The source is checked
 * against the configured ones, and the native part against the provider's rule, afterwards
 * (providers/core/reference.ts).
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
  // A person's id (people/ids.ts): not a user's.
  if (version === 'person') return null;
  const fail = (why: string) =>
    new BadUserInputError(`"${argument}" holds the id ${shownInput(id)}, which ${why}.`, { argument });
  if (version !== VERSION && version !== 'v1')
    throw fail(
      `has an unsupported version (${shownInput(version)}); only v1 and ${VERSION} ids are accepted`,
    );
  if (!providers.has(provider)) throw fail('names an unknown provider');
  let source: string | null = null;
  if (version === VERSION) {
    source = rest.shift() ?? '';
    if (!SOURCE_NAME.test(source)) throw fail('names no valid source');
  }
  const nativeId = rest.join(':');
  if (!nativeId) throw fail('has no provider user id');
  return { provider, source, nativeId };
}
