/** What `Node` resolves to: a user record, or a person (people/resolvers.ts). */
import type { UserRecord } from '../providers/core/record.js';
import type { PersonRow } from './store.js';

/** A person as `Person` resolves it: one of the directory's, or a user's person of one. */
export type PersonSource =
  | ({ __typename: 'Person'; kind: 'stored' } & PersonRow)
  | { __typename: 'Person'; kind: 'lone'; user: UserRecord };

export type NodeSource = UserRecord | PersonSource;

/** `people`: a page, and its exact count when asked. */
export interface PeopleConnectionSource {
  edges: { cursor: string; node: PersonSource }[];
  nodes: PersonSource[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: () => Promise<number>;
}
