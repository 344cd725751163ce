/**
 * The people API: `people`, `Person`, `User.person`/`User.linkReason` on every user type, persons in
 * `node`/`nodes`/`_entities`, and the manual corrections `linkUsers`/`unlinkUser`. Reads are batched per
 * request (DataLoaders keyed by the request); everything comes from the directory's database, with no
 * upstream call. Without the directory every user is a person of one and `people` is refused.
 */
import DataLoader from 'dataloader';
import { allows } from '../auth/principal.js';
import type { RequestContext } from '../context.js';
import type { Database } from '../directory/store/database.js';
import { normalizeEmail } from '../directory/store/users.js';
import { checkedEmail, checkedSearch, forbidden } from '../directory/indexed.js';
import { BadUserInputError } from '../errors.js';
import type { ProviderDefinition } from '../providers/core/definition.js';
import type { ProviderId, UserRecord } from '../providers/core/record.js';
import { parseGlobalId, userByGlobalId } from '../providers/core/reference.js';
import { parsePageRequest, toConnection, type ConnectionArgs } from '../relay/connection.js';
import { encodeGlobalId } from '../relay/globalId.js';
import type { ModuleResolvers } from '../schema.js';
import { decodePersonId, isPersonId, loneGlobalId, personGlobalId } from './ids.js';
import type { LinkReason } from './matcher.js';
import type { PersonSource } from './node.js';
import type { PeopleSettings } from './settings.js';
import {
  accountsOf,
  countPeople,
  historyOf,
  indexedUsers,
  linkUsers,
  personsById,
  personsOfUsers,
  readPeople,
  unlinkUser,
  type Correction,
  userKeyOf,
  type PeopleQuery,
  type PersonKeyset,
  type PersonOrderField,
  type PersonRow,
  type UserKey,
} from './store.js';

const MAX_LINKED = 100;
const MAX_MIN_ACCOUNTS = 1000;

interface Loaders {
  persons: DataLoader<string, PersonRow | null>;
  ofUsers: DataLoader<string, { personId: string; reason: LinkReason | null } | null>;
  accounts: DataLoader<string, UserRecord[]>;
}

/** The person of one of `user`. */
const lone = (user: UserRecord): PersonSource => ({ __typename: 'Person', kind: 'lone', user });
const stored = (row: PersonRow): PersonSource => ({ __typename: 'Person', kind: 'stored', ...row });

export function peopleResolvers(
  providers: readonly ProviderDefinition[],
  db: Database | undefined,
  settings: PeopleSettings,
  piiScope: string,
): {
  resolvers: ModuleResolvers;
  personNode: (context: RequestContext, id: string, argument?: string) => Promise<PersonSource | null>;
} {
  const loaders = new WeakMap<RequestContext['key'], Loaders>();
  const loadersOf = (context: RequestContext, database: Database): Loaders => {
    let found = loaders.get(context.key);
    if (!found) {
      const sources = context.sources.map((source) => source.name);
      found = {
        persons: new DataLoader((ids) => personsById(database, ids, sources)),
        ofUsers: new DataLoader(async (keys) => {
          const split = keys.map((key) => {
            const [source, nativeId] = key.split('\u0000');
            return { source, nativeId };
          });
          const found = await personsOfUsers(database, split);
          return keys.map((key) => found.get(key) ?? null);
        }),
        accounts: new DataLoader(async (ids) => {
          const byPerson = await accountsOf(database, ids, sources);
          return ids.map((id) => byPerson.get(id) ?? []);
        }),
      };
      loaders.set(context.key, found);
    }
    return found;
  };

  /** The person of `user`, as the directory knows it (a person of one when it does not). */
  async function personOf(context: RequestContext, user: UserRecord): Promise<PersonSource> {
    if (!db) return lone(user);
    const load = loadersOf(context, db);
    const personId =
      user.personId ?? (await load.ofUsers.load(userKeyOf(user.source, user.providerUserId)))?.personId;
    const row = personId ? await load.persons.load(personId) : null;
    return row ? stored(row) : lone(user);
  }

  /** A person by global id: ours and known → it (a retired id: the person that absorbed it). */
  async function personNode(
    context: RequestContext,
    id: string,
    argument = 'id',
  ): Promise<PersonSource | null> {
    const decoded = decodePersonId(id, argument);
    if ('personId' in decoded) {
      if (!db) return null;
      const row = await loadersOf(context, db).persons.load(decoded.personId);
      return row ? stored(row) : null;
    }
    if (isPersonId(decoded.userId)) return null;
    const user = await userByGlobalId(context, decoded.userId, undefined, argument);
    return user ? personOf(context, user) : null;
  }

  const readsEmails = (context: RequestContext) =>
    allows(context.principal, { authenticated: false, scopes: [[piiScope]] });

  /** The user keys of user global ids, checked: BAD_USER_INPUT naming the argument. */
  function userKeys(context: RequestContext, ids: readonly string[], argument: string): UserKey[] {
    const keys: UserKey[] = [];
    ids.forEach((id, index) => {
      const at = ids.length > 1 || argument === 'ids' ? `${argument}[${index}]` : argument;
      const parsed = parseGlobalId(context, id, at);
      if (!parsed || parsed.nativeId === null || parsed.source === null)
        throw new BadUserInputError(
          `"${at}" is not a user id of this rollcall (a user's \`id\`, as users and node return it).`,
          { argument: at },
        );
      if (!context.sources.some((source) => source.name === parsed.source))
        throw new BadUserInputError(`"${at}" names a source this instance does not serve.`, { argument: at });
      keys.push({ source: parsed.source, nativeId: parsed.nativeId });
    });
    return keys;
  }

  function needDirectory(what: string): Database {
    if (!db)
      throw new BadUserInputError(
        `"${what}" needs the directory, which is off here (ROLLCALL_DIRECTORY=off): without it every user is a person of one.`,
        { argument: what },
      );
    return db;
  }

  async function indexedOrRefuse(
    database: Database,
    keys: readonly UserKey[],
    ids: readonly string[],
    argument: string,
  ) {
    const indexed = await indexedUsers(database, keys);
    keys.forEach((key, index) => {
      if (!indexed.has(userKeyOf(key.source, key.nativeId)))
        throw new BadUserInputError(
          `"${ids.length > 1 || argument === 'ids' ? `${argument}[${index}]` : argument}" is a user the directory does not hold (not synced yet, or deleted): only indexed users can be linked or unlinked.`,
          { argument },
        );
    });
  }

  const userId = (key: UserKey, provider: string) => encodeGlobalId(provider, key.source, key.nativeId);
  const providerOf = (context: RequestContext, source: string): ProviderId =>
    context.sources.find((candidate) => candidate.name === source)?.provider ?? '';

  /** A manual correction by the caller, naming `keys`, in the caller's deployment. */
  const correction = (context: RequestContext, keys: readonly UserKey[]): Correction => ({
    actor: context.principal.subject,
    accounts: keys.map((key) => userId(key, providerOf(context, key.source))),
    sources: context.sources.map((source) => source.name),
    settings,
  });

  /** The person a correction left, as the mutation answers it. */
  const personAfter = async (database: Database, context: RequestContext, personId: string) => {
    const [row] = await personsById(
      database,
      [personId],
      context.sources.map((source) => source.name),
    );
    return row ? stored(row) : null;
  };

  const personFields = {
    person: (user: UserRecord, _args: unknown, context: RequestContext) => personOf(context, user),
    linkReason: async (user: UserRecord, _args: unknown, context: RequestContext) => {
      if (user.linkReason !== undefined) return user.linkReason;
      if (!db) return null;
      return (
        (await loadersOf(context, db).ofUsers.load(userKeyOf(user.source, user.providerUserId)))?.reason ??
        null
      );
    },
  };

  const resolvers: ModuleResolvers = {
    ...Object.fromEntries(providers.map((definition) => [definition.typename, personFields])),
    Person: {
      __resolveReference: async (reference: { id?: unknown }, context: RequestContext) => {
        if (typeof reference.id !== 'string' || !isPersonId(reference.id))
          throw new BadUserInputError('A Person representation\'s "id" must be a person id.', {
            argument: 'representations',
          });
        return personNode(context, reference.id, 'representations.id');
      },
      id: (person: PersonSource) =>
        person.kind === 'stored' ? personGlobalId(person.personId) : loneGlobalId(person.user.id),
      displayName: (person: PersonSource) =>
        person.kind === 'stored' ? person.displayName : person.user.displayName,
      emails: (person: PersonSource) =>
        person.kind === 'stored'
          ? person.emails
          : person.user.email
            ? [normalizeEmail(person.user.email)]
            : [],
      providers: (person: PersonSource) =>
        person.kind === 'stored' ? person.providers : [person.user.provider],
      sources: (person: PersonSource) => (person.kind === 'stored' ? person.sources : [person.user.source]),
      updatedAt: (person: PersonSource) =>
        person.kind === 'stored' ? person.updatedAt : person.user.updatedAt,
      accounts: async (person: PersonSource, _args: unknown, context: RequestContext) =>
        person.kind === 'stored' && db
          ? loadersOf(context, db).accounts.load(person.personId)
          : person.kind === 'lone'
            ? [{ ...person.user, linkReason: null }]
            : [],
      history: async (person: PersonSource) => {
        if (person.kind === 'lone' || !db) return [];
        const rows = await historyOf(db, person.personId);
        return rows.map((row) => ({
          at: row.at,
          actor: row.actor,
          action: row.action,
          accounts: row.accounts,
        }));
      },
    },
    PersonConnection: {
      totalCount: (connection: { totalCount: () => Promise<number> }) => connection.totalCount(),
    },
    Query: {
      people: async (
        _parent: unknown,
        args: ConnectionArgs & {
          filter?: {
            search?: string | null;
            email?: string | null;
            providers?: readonly ProviderId[] | null;
            sources?: readonly string[] | null;
            minAccounts?: number | null;
          } | null;
          orderBy?: { field: PersonOrderField; direction?: 'ASC' | 'DESC' | null } | null;
        },
        context: RequestContext,
      ) => {
        const database = needDirectory('people');
        const filter = args.filter ?? {};
        const emails = readsEmails(context);
        const query: PeopleQuery = {
          sources: context.sources.map((source) => source.name),
          searchEmail: emails,
        };
        if (filter.email !== undefined && filter.email !== null) {
          if (!emails) throw forbidden('filter.email', piiScope);
          query.email = checkedEmail(filter.email);
        }
        if (filter.search !== undefined && filter.search !== null)
          query.search = checkedSearch(filter.search);
        if (filter.providers) {
          const unknown = filter.providers.filter(
            (id) => !context.sources.some((source) => source.provider === id),
          );
          if (unknown.length > 0)
            throw new BadUserInputError(
              `"filter.providers" names ${unknown[0]}, which no source of this instance serves.`,
              {
                argument: 'filter.providers',
              },
            );
          query.providers = filter.providers;
        }
        if (filter.sources) {
          const unknown = filter.sources.filter(
            (name) => !context.sources.some((source) => source.name === name),
          );
          if (unknown.length > 0)
            throw new BadUserInputError(`"filter.sources" names a source this instance does not serve.`, {
              argument: 'filter.sources',
            });
          query.inSources = filter.sources;
        }
        if (filter.minAccounts !== undefined && filter.minAccounts !== null) {
          if (
            !Number.isInteger(filter.minAccounts) ||
            filter.minAccounts < 1 ||
            filter.minAccounts > MAX_MIN_ACCOUNTS
          )
            throw new BadUserInputError(
              `"filter.minAccounts" must be an integer from 1 to ${MAX_MIN_ACCOUNTS}; got ${filter.minAccounts}.`,
              { argument: 'filter.minAccounts', maximum: MAX_MIN_ACCOUNTS },
            );
          query.minAccounts = filter.minAccounts;
        }
        const order = {
          field: args.orderBy?.field ?? 'DISPLAY_NAME',
          direction: args.orderBy?.direction ?? 'ASC',
        } as const;
        const tag = `${order.field}:${order.direction}`;
        const request = parsePageRequest(args, context.limits, (cursor, argument): PersonKeyset => {
          const payload = context.cursors.decode(cursor, 'people', argument);
          const { o, k } =
            payload && typeof payload === 'object' && !Array.isArray(payload)
              ? (payload as { o?: unknown; k?: unknown })
              : {};
          if (
            o !== tag ||
            !Array.isArray(k) ||
            k.length !== 2 ||
            typeof k[0] !== 'string' ||
            typeof k[1] !== 'string'
          )
            throw new BadUserInputError(
              `Argument "${argument}" is a cursor made with another orderBy: use it with the orderBy it came from (${order.field} ${order.direction} was given).`,
              { argument },
            );
          return [k[0], k[1]];
        });
        const page = await readPeople(database, query, {
          order,
          direction: request.direction,
          size: request.size,
          cursor: request.direction === 'forward' ? request.after : request.before,
        });
        const made = toConnection(
          {
            edges: page.rows.map((row) => ({ cursor: { o: tag, k: row.keyset }, node: stored(row.person) })),
            hasNextPage: page.hasNextPage,
            hasPreviousPage: page.hasPreviousPage,
            totalCount: null,
          },
          (payload) => context.cursors.encode('people', payload),
        );
        let counted: Promise<number> | undefined;
        return { ...made, totalCount: () => (counted ??= countPeople(database, query)) };
      },
    },
    Mutation: {
      linkUsers: async (_parent: unknown, { ids }: { ids: readonly string[] }, context: RequestContext) => {
        if (ids.length < 2 || ids.length > MAX_LINKED)
          throw new BadUserInputError(`"ids" must hold 2 to ${MAX_LINKED} user ids; got ${ids.length}.`, {
            argument: 'ids',
            maximum: MAX_LINKED,
          });
        const keys = userKeys(context, ids, 'ids');
        const distinct = [...new Map(keys.map((key) => [userKeyOf(key.source, key.nativeId), key])).values()];
        if (distinct.length < 2)
          throw new BadUserInputError('"ids" must name at least two different users.', { argument: 'ids' });
        const database = needDirectory('linkUsers');
        await indexedOrRefuse(database, keys, ids, 'ids');
        const personId = await linkUsers(database, distinct, correction(context, distinct));
        return personId ? personAfter(database, context, personId) : null;
      },
      unlinkUser: async (_parent: unknown, { id }: { id: string }, context: RequestContext) => {
        const [key] = userKeys(context, [id], 'id');
        const database = needDirectory('unlinkUser');
        await indexedOrRefuse(database, [key], [id], 'id');
        const personId = await unlinkUser(database, key, correction(context, [key]));
        return personId ? personAfter(database, context, personId) : null;
      },
    },
  };
  return { resolvers, personNode };
}
