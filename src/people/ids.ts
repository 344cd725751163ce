/**
 * Person ids: base64url of `rollcall:person:<stored id>` for a person of the directory, or of
 * `rollcall:person:user:<user global id>` for the person of one of a user the directory has not matched
 * (not indexed yet, deleted, or the directory off): `node` answers that one with the user's person as it
 * is then. User ids (relay/globalId.ts) never start with `rollcall:person:`.
 */
import { BadUserInputError, shownInput } from '../errors.js';

const PREFIX = 'rollcall:person:';
const STORED = /^p[0-9a-f]{20}$/;

export type DecodedPersonId = { personId: string } | { userId: string };

export const personGlobalId = (personId: string): string =>
  Buffer.from(`${PREFIX}${personId}`, 'utf8').toString('base64url');

export const loneGlobalId = (userId: string): string =>
  Buffer.from(`${PREFIX}user:${userId}`, 'utf8').toString('base64url');

/** Whether `id` is a person id (cheap: its prefix only). */
export function isPersonId(id: string): boolean {
  return (
    /^[A-Za-z0-9_-]+={0,2}$/.test(id) &&
    Buffer.from(id.slice(0, 24), 'base64url').toString('utf8').startsWith(PREFIX)
  );
}

/** A person id decoded; BAD_USER_INPUT naming `argument` for one of ours that is malformed. */
export function decodePersonId(id: string, argument = 'id'): DecodedPersonId {
  const text = Buffer.from(id, 'base64url').toString('utf8').slice(PREFIX.length);
  if (STORED.test(text)) return { personId: text };
  if (text.startsWith('user:') && text.length > 5 && text.length <= 1100) return { userId: text.slice(5) };
  throw new BadUserInputError(
    `"${argument}" holds the id ${shownInput(id)}, which is not a valid person id.`,
    {
      argument,
    },
  );
}
