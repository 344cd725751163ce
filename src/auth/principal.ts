/**
 * Who is asking, as the front door established it, and what a field asks of them. Requirements are
 * Federation's authorization directives read from the SDL: `@authenticated`, and `@requiresScopes(scopes:
 * [[…]])` whose outer list is OR and inner lists AND ([["a", "b"], ["c"]]: a and b, or c).
 */

export interface Principal {
  /** Whether the request carried a verified identity (a token, or claims a verified router forwarded). */
  authenticated: boolean;
  /** The token's subject (`sub`), for the access log and audit trails; null when anonymous. */
  subject: string | null;
  /** The scopes granted; `all` grants every scope (open mode, and demo mode's anonymous requests). */
  scopes: ReadonlySet<string> | 'all';
}

/** What reading a field asks: a verified identity and/or one of several sets of scopes. */
export interface Requirement {
  authenticated: boolean;
  /** OR of ANDs; null: no scope needed. */
  scopes: readonly (readonly string[])[] | null;
}

export const NO_REQUIREMENT: Requirement = { authenticated: false, scopes: null };

/** Open mode: no authentication, every scope (loopback, demo, or forced with a warning). */
export const OPEN_PRINCIPAL: Principal = { authenticated: true, subject: null, scopes: 'all' };

export function allows(principal: Principal, requirement: Requirement): boolean {
  if (requirement.authenticated && !principal.authenticated) return false;
  if (requirement.scopes === null || principal.scopes === 'all') return true;
  const granted = principal.scopes;
  return requirement.scopes.some((set) => set.every((scope) => granted.has(scope)));
}

/** Both requirements (AND): scope sets combine pairwise, duplicates dropped. */
export function both(a: Requirement, b: Requirement): Requirement {
  const scopes =
    a.scopes === null
      ? b.scopes
      : b.scopes === null
        ? a.scopes
        : dedupe(a.scopes.flatMap((x) => b.scopes!.map((y) => [...new Set([...x, ...y])].sort())));
  return { authenticated: a.authenticated || b.authenticated, scopes };
}

/** Either requirement (OR): what a field of an abstract type asks when its possible types differ. */
export function either(a: Requirement, b: Requirement): Requirement {
  if (a.scopes === null || b.scopes === null)
    return { authenticated: a.authenticated && b.authenticated, scopes: null };
  return { authenticated: a.authenticated && b.authenticated, scopes: dedupe([...a.scopes, ...b.scopes]) };
}

function dedupe(sets: readonly (readonly string[])[]): string[][] {
  const seen = new Map<string, string[]>();
  for (const set of sets) {
    const sorted = [...new Set(set)].sort();
    seen.set(sorted.join(' '), sorted);
  }
  return [...seen.values()];
}

/** The requirement in words, for FORBIDDEN messages ("the scope users:read:pii"). */
export function describe(requirement: Requirement): string {
  if (requirement.scopes === null) return 'an authenticated request';
  const sets = requirement.scopes.map((set) => set.join(' and '));
  return sets.length === 1 && requirement.scopes[0].length === 1
    ? `the scope ${sets[0]}`
    : `the scopes ${sets.join(', or ')}`;
}

/** A stable key of the scopes granted: answers may be shared only between callers with the same key. */
export function scopeKey(principal: Principal): string {
  if (principal.scopes === 'all') return '*';
  return [...principal.scopes].sort().join(' ');
}
