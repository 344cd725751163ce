/**
 * Who is the same person: deterministic, explainable matching, with no I/O (the store feeds it the users
 * a change touches and writes what it answers).
 *
 * Two users are the same person when they share a normalised email address (trimmed, lower-cased; no
 * provider-specific rewriting), or when someone linked them by hand (`linkUsers`). An address held by
 * more than `sharedAddressThreshold` users of one source, or on the block list (`noreply@…` and the like),
 * is a shared mailbox: it links no one. A user unlinked by hand (`unlinkUser`) is matched by nothing until
 * it is linked again. Persons are the connected groups of those links.
 *
 * Ids are stable: a group keeps the id of the earlier person it holds most of (a merge keeps the oldest
 * id among those — between persons made at once, the one bringing the most accounts; a split leaves the
 * id to the part holding most of the old person, and gives the other parts new ids). An id no group
 * keeps is retired into the group that holds most of its old members.
 */

/** One user as matching sees it. */
export interface MatchUser {
  /** `source` + NUL + native id. */
  key: string;
  source: string;
  /** The normalised email, or null. */
  email: string | null;
  /** The manual link group the user is in, or null. */
  group: string | null;
  /** Unlinked by hand: matched by nothing. */
  unlinked: boolean;
  /** Its person before this change (null: a new user). */
  person: string | null;
}

/** An existing person id and when it was made (older wins a merge). */
export interface KnownPerson {
  id: string;
  createdAt: number;
}

export interface MatchSettings {
  /** An address held by more users than this in one source is shared. */
  sharedAddressThreshold: number;
  /** Whether an address is blocked (never links anyone). */
  blocked(email: string): boolean;
}

export type LinkReason = 'EMAIL' | 'MANUAL';

export interface MatchedPerson {
  /** Its id: an existing one it keeps, or null for a new person. */
  id: string | null;
  /** Member keys, in input order. */
  members: string[];
  /** Why each member belongs (null for a person of one). */
  reasons: Map<string, LinkReason | null>;
  /** The emails that link it (addresses held by two or more of its members, not shared, not blocked). */
  linkingEmails: string[];
}

export interface MatchResult {
  persons: MatchedPerson[];
  /** Ids no person keeps any more, each with the person (index in `persons`) that absorbed most of it. */
  retired: { id: string; into: number }[];
}

/** Local parts of shared mailboxes that never link anyone (the default block list). */
export const DEFAULT_BLOCKED_LOCAL_PARTS = [
  'noreply',
  'no-reply',
  'no_reply',
  'donotreply',
  'do-not-reply',
  'do_not_reply',
  'mailer-daemon',
  'postmaster',
] as const;

/**
 * A block list as a test: entries with an `@` are whole addresses; `*@domain` blocks a domain; others
 * are local parts (`noreply` blocks `noreply@…` and `noreply+tag@…`).
 */
export function blockList(entries: readonly string[]): (email: string) => boolean {
  const addresses = new Set<string>();
  const domains = new Set<string>();
  const locals = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry.startsWith('*@')) domains.add(entry.slice(2));
    else if (entry.includes('@')) addresses.add(entry);
    else if (entry) locals.add(entry);
  }
  return (email) => {
    const at = email.lastIndexOf('@');
    const local = (at < 0 ? email : email.slice(0, at)).split('+')[0];
    return addresses.has(email) || domains.has(email.slice(at + 1)) || locals.has(local);
  };
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    for (let next = this.parent.get(root); next !== undefined && next !== root; next = this.parent.get(root))
      root = next;
    // Path compression.
    for (let node = x; node !== root; ) {
      const next = this.parent.get(node) ?? root;
      this.parent.set(node, root);
      node = next;
    }
    if (!this.parent.has(root)) this.parent.set(root, root);
    return root;
  }
  union(a: string, b: string): void {
    const x = this.find(a);
    const y = this.find(b);
    if (x !== y) this.parent.set(x < y ? y : x, x < y ? x : y);
  }
}

/** The addresses that link no one among `users`: held by too many users of one source, or blocked. */
export function sharedAddresses(users: readonly MatchUser[], settings: MatchSettings): Set<string> {
  const counts = new Map<string, number>();
  const shared = new Set<string>();
  for (const user of users) {
    if (user.email === null) continue;
    if (settings.blocked(user.email)) shared.add(user.email);
    const key = `${user.email}\u0000${user.source}`;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count > settings.sharedAddressThreshold) shared.add(user.email);
  }
  return shared;
}

/**
 * Groups `users` into persons. `users` must be closed: every user sharing an address, a link group or a
 * former person with one of them is among them (the store loads that closure).
 */
export function match(
  users: readonly MatchUser[],
  known: ReadonlyMap<string, KnownPerson>,
  settings: MatchSettings,
): MatchResult {
  const shared = sharedAddresses(users, settings);
  const sets = new UnionFind();
  const linksBy = (user: MatchUser): string | null =>
    user.unlinked || user.email === null || shared.has(user.email) ? null : user.email;
  for (const user of users) {
    sets.find(`u:${user.key}`);
    if (user.unlinked) continue;
    if (user.group !== null) sets.union(`u:${user.key}`, `g:${user.group}`);
    const email = linksBy(user);
    if (email !== null) sets.union(`u:${user.key}`, `e:${email}`);
  }
  const byRoot = new Map<string, MatchUser[]>();
  for (const user of users) {
    const root = sets.find(`u:${user.key}`);
    const members = byRoot.get(root);
    if (members) members.push(user);
    else byRoot.set(root, [user]);
  }
  const groups = [...byRoot.values()];

  // Where each old person's members went: the group holding most of them keeps (or absorbs) the id.
  const share = new Map<string, Map<number, number>>();
  groups.forEach((members, index) => {
    for (const user of members) {
      if (user.person === null) continue;
      const counts = share.get(user.person) ?? new Map<number, number>();
      counts.set(index, (counts.get(index) ?? 0) + 1);
      share.set(user.person, counts);
    }
  });
  // Members unlinked by hand in each group: on a tie, the id stays with the accounts that were not.
  const unlinked = groups.map((members) => members.filter((user) => user.unlinked).length);
  const heir = new Map<string, number>();
  for (const [id, counts] of share) {
    // Most members; then fewer unlinked ones; then the group that comes first (input order).
    let best = -1;
    let most = 0;
    for (const [index, count] of counts)
      if (
        count > most ||
        (count === most &&
          (unlinked[index] < unlinked[best] || (unlinked[index] === unlinked[best] && index < best)))
      ) {
        best = index;
        most = count;
      }
    heir.set(id, best);
  }
  const age = (id: string) => known.get(id)?.createdAt ?? Number.POSITIVE_INFINITY;
  const claimed = groups.map<string[]>(() => []);
  for (const [id, index] of heir) claimed[index].push(id);
  const persons: MatchedPerson[] = groups.map((members, index) => {
    // The oldest; between persons made together, the one that brings the most accounts; then by id.
    const brought = (id: string) => share.get(id)?.get(index) ?? 0;
    const ids = claimed[index].sort(
      (a, b) => age(a) - age(b) || brought(b) - brought(a) || (a < b ? -1 : a > b ? 1 : 0),
    );
    const groupSizes = new Map<string, number>();
    const emailSizes = new Map<string, number>();
    for (const user of members) {
      if (user.group !== null) groupSizes.set(user.group, (groupSizes.get(user.group) ?? 0) + 1);
      const email = linksBy(user);
      if (email !== null) emailSizes.set(email, (emailSizes.get(email) ?? 0) + 1);
    }
    const reasons = new Map<string, LinkReason | null>();
    for (const user of members)
      reasons.set(
        user.key,
        members.length < 2
          ? null
          : user.group !== null && (groupSizes.get(user.group) ?? 0) >= 2
            ? 'MANUAL'
            : 'EMAIL',
      );
    return {
      id: ids[0] ?? null,
      members: members.map((user) => user.key),
      reasons,
      linkingEmails: [...emailSizes].filter(([, n]) => n >= 2).map(([email]) => email),
    };
  });
  const retired: { id: string; into: number }[] = [];
  for (const [id, index] of heir) if (persons[index].id !== id) retired.push({ id, into: index });
  return { persons, retired };
}
