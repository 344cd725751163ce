/** People as the tests read them: one selection of Person and its accounts, and its types. */

export interface PersonAccount {
  id: string;
  provider: string;
  source: string;
  email: string | null;
  displayName: string | null;
  linkReason: 'EMAIL' | 'MANUAL' | null;
}

export interface Person {
  id: string;
  displayName: string | null;
  emails: string[];
  providers: string[];
  sources: string[];
  accounts: PersonAccount[];
}

/** The selection that reads a `Person`. */
export const PERSON_FIELDS =
  'id displayName emails providers sources accounts { id provider source email displayName linkReason }';
