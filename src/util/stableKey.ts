/**
 * One canonical serialisation of a JSON-like value, for cache and loader keys: object keys sorted,
 * `undefined` and `null` members dropped (an absent filter and a null one are the same list), so equal
 * requests get equal keys whatever order their parts were written in.
 */
export function stableKey(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, member: unknown) =>
    member && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(
          Object.entries(member)
            .filter(([, v]) => v !== undefined && v !== null)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : member,
  );
}
