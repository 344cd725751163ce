/**
 * The people every demo emulator shares: 60 humans (a fixed table) who hold accounts on two to four of
 * 2Chat, Twilio Conversations, Ada and CometChat under the same address, `first.last@northwind.test`,
 * each provider spelling it its own way (another letter case, spaces around it), plus a support mailbox
 * several CometChat users share and Voximplant operators with the humans' names (GetUsers has no email).
 * With it, demo mode shows people: rollcall groups those accounts into one person per human.
 *
 * Deterministic rules, no randomness (humans numbered h = 0…59, providers p = 0…3 in the order 2Chat,
 * Twilio, Ada, CometChat):
 * - h % 5 = 0: on all four providers (12 humans); h % 5 = 1 or 3: on three (24), leaving out each
 *   provider in turn; h % 5 = 2 or 4: on two (24), going through the six pairs in turn. Each provider
 *   holds 42 pool accounts; no human has two accounts on one provider.
 * - Spelling: by (3h + 7p) % 10: 0–4 the canonical lower-case address, 5 `First.Last@Northwind.test`,
 *   6 upper case, 7 a leading space, 8 a trailing space, 9 `First.Last@northwind.test` inside spaces.
 *   Twilio identities are trimmed (an identity is a handle): there only the letter case varies.
 * - Twilio: the n-th pool account of Twilio is in `twilio-eu` when n % 3 = 2 (14), else in `twilio-us`
 *   (28); its address is the identity when n is even, else `attributes.email` (its identity is then the
 *   handle `first.last`).
 * - Voximplant: h % 4 = 1 (15 humans) also has an operator, user name `first-last`, display name
 *   "First Last", in an application demo mode lists; no email, so each is a person of one until linked.
 * - CometChat: five other users carry `support@northwind.test` (in five spellings) in `metadata.email`:
 *   more than 3 users of one source, a shared mailbox that links no one.
 *
 * Each emulator gives these to users of its data set (see its README's data section): 2Chat appends
 * them to its fixed list; Twilio, Ada, CometChat and Voximplant give the names and addresses to
 * generated users at fixed positions (`poolSlots`), so the hand-made seed records stay verbatim and
 * every other generated user stays what it was.
 */

/** The pool's demo domain (`.test` is reserved: no real mailbox). */
export const POOL_DOMAIN = 'northwind.test';

/** The providers whose users carry an address (Voximplant's GetUsers has none). */
export const POOL_PROVIDERS = ['twochat', 'twilio', 'ada', 'cometchat'] as const;
export type PoolProvider = (typeof POOL_PROVIDERS)[number];

/** The shared support mailbox, as five CometChat users spell it in `metadata.email`. */
export const SUPPORT_MAILBOX = `support@${POOL_DOMAIN}`;
export const SUPPORT_MAILBOX_SPELLINGS: readonly string[] = [
  SUPPORT_MAILBOX,
  `Support@${POOL_DOMAIN}`,
  ` ${SUPPORT_MAILBOX}`,
  SUPPORT_MAILBOX.toUpperCase(),
  `support@Northwind.test `,
];

/** Where Twilio holds a pool address: which demo account (0 `twilio-us`, 1 `twilio-eu`), which field. */
export interface PoolTwilioPlace {
  account: number;
  field: 'identity' | 'attributes';
}

export interface PoolAccount {
  provider: PoolProvider;
  /** The address exactly as this provider holds it. */
  email: string;
  /** Twilio only. */
  twilio?: PoolTwilioPlace;
}

export interface PoolHuman {
  firstName: string;
  lastName: string;
  /** `first.last@northwind.test`: what every spelling normalises to (trim + lower case). */
  email: string;
  /** `first.last`: the local part. */
  handle: string;
  /** One per provider, in {@link POOL_PROVIDERS} order. */
  accounts: readonly PoolAccount[];
  /** Whether a Voximplant operator with this name exists too. */
  voximplantOperator: boolean;
}

/** One of the pool's accounts on a provider, with its human. */
export interface PoolEntry {
  human: PoolHuman;
  account: PoolAccount;
}

// prettier-ignore
const NAMES: readonly (readonly [string, string])[] = [
  ['Abigail', 'Foster'], ['Benedict', 'Okoye'], ['Carmen', 'Villanueva'], ['Declan', 'Murphy'],
  ['Esther', 'Nakamura'], ['Felix', 'Andersen'], ['Gabriela', 'Mendes'], ['Hamza', 'Qureshi'],
  ['Isla', 'Fraser'], ['Jakob', 'Weber'], ['Keiko', 'Yamada'], ['Lorenzo', 'Bianchi'],
  ['Malika', 'Rahimova'], ['Nikolai', 'Volkov'], ['Olga', 'Sorensen'], ['Pablo', 'Herrera'],
  ['Quinn', 'Gallagher'], ['Rania', 'Aziz'], ['Stefan', 'Horvat'], ['Talia', 'Cohen'],
  ['Umar', 'Farouk'], ['Valentina', 'Russo'], ['Wanjiru', 'Kamau'], ['Xavier', 'Laurent'],
  ['Yara', 'Saleh'], ['Zoltan', 'Nagy'], ['Amelie', 'Fontaine'], ['Bilal', 'Chaudhry'],
  ['Cecilia', 'Lindgren'], ['Dario', 'Marino'], ['Emeka', 'Nwosu'], ['Freya', 'Holm'],
  ['Goran', 'Petrovic'], ['Helena', 'Sousa'], ['Ibrahim', 'Diallo'], ['Julia', 'Kowalczyk'],
  ['Kwame', 'Asante'], ['Leila', 'Karimi'], ['Marco', 'Esposito'], ['Nina', 'Hoffmann'],
  ['Oscar', 'Lindberg'], ['Paula', 'Romano'], ['Rafael', 'Ortega'], ['Sakura', 'Ito'],
  ['Tobias', 'Brandt'], ['Ulla', 'Nieminen'], ['Vikram', 'Menon'], ['Wiktoria', 'Zielinska'],
  ['Yohannes', 'Tesfaye'], ['Zainab', 'Bello'], ['Anders', 'Dahlberg'], ['Bianca', 'Ferreira'],
  ['Caleb', 'Whitaker'], ['Daniela', 'Stoica'], ['Elias', 'Bergstrom'], ['Fiona', 'Gallo'],
  ['Gideon', 'Mwangi'], ['Hanna', 'Virtanen'], ['Ignacio', 'Rivas'], ['Jasmine', 'Tran'],
];

const PAIRS: readonly (readonly [PoolProvider, PoolProvider])[] = [
  ['twochat', 'twilio'],
  ['twochat', 'ada'],
  ['twochat', 'cometchat'],
  ['twilio', 'ada'],
  ['twilio', 'cometchat'],
  ['ada', 'cometchat'],
];

/** The address as provider `p` spells it for human `h` (see the module comment). */
function spelling(h: number, p: number, first: string, last: string): string {
  const canonical = `${first}.${last}@${POOL_DOMAIN}`.toLowerCase();
  const title = `${first}.${last}@Northwind.test`;
  switch ((3 * h + 7 * p) % 10) {
    case 5:
      return title;
    case 6:
      return canonical.toUpperCase();
    case 7:
      return ` ${canonical}`;
    case 8:
      return `${canonical} `;
    case 9:
      return `  ${first}.${last}@${POOL_DOMAIN} `;
    default:
      return canonical;
  }
}

function buildPool(): PoolHuman[] {
  let threes = 0;
  let twos = 0;
  let twilioAccounts = 0;
  return NAMES.map(([first, last], h) => {
    let providers: readonly PoolProvider[];
    if (h % 5 === 0) providers = POOL_PROVIDERS;
    else if (h % 5 === 1 || h % 5 === 3) {
      const left = POOL_PROVIDERS[threes++ % POOL_PROVIDERS.length];
      providers = POOL_PROVIDERS.filter((provider) => provider !== left);
    } else providers = PAIRS[twos++ % PAIRS.length];
    const accounts = POOL_PROVIDERS.filter((provider) => providers.includes(provider)).map(
      (provider): PoolAccount => {
        const email = spelling(h, POOL_PROVIDERS.indexOf(provider), first, last);
        if (provider !== 'twilio') return { provider, email };
        const n = twilioAccounts++;
        const twilio: PoolTwilioPlace = {
          account: n % 3 === 2 ? 1 : 0,
          field: n % 2 === 0 ? 'identity' : 'attributes',
        };
        return { provider, email: twilio.field === 'identity' ? email.trim() : email, twilio };
      },
    );
    const handle = `${first}.${last}`.toLowerCase();
    return {
      firstName: first,
      lastName: last,
      email: `${handle}@${POOL_DOMAIN}`,
      handle,
      accounts,
      voximplantOperator: h % 4 === 1,
    };
  });
}

/** The 60 humans, in a fixed order. */
export const PEOPLE_POOL: readonly PoolHuman[] = buildPool();

/** The pool's accounts on `provider` (on Twilio: in demo account `twilioAccount`), in pool order. */
export function poolAccounts(provider: PoolProvider, twilioAccount = 0): PoolEntry[] {
  return PEOPLE_POOL.flatMap((human) =>
    human.accounts
      .filter(
        (account) =>
          account.provider === provider &&
          (provider !== 'twilio' || account.twilio?.account === twilioAccount),
      )
      .map((account) => ({ human, account })),
  );
}

/** The humans who also have a Voximplant operator, in pool order. */
export function voximplantOperators(): PoolHuman[] {
  return PEOPLE_POOL.filter((human) => human.voximplantOperator);
}

/**
 * Where the items go in a generated data set: scanning indexes `from` to `to - 1`, every `stride`-th one
 * `eligible` takes the next item (index → item). Items left when the indexes run out are not placed (a
 * small data set holds only the first ones).
 */
export function poolSlots<T>(
  items: readonly T[],
  options: { from: number; to: number; stride: number; eligible?: (index: number) => boolean },
): Map<number, T> {
  const slots = new Map<number, T>();
  let next = 0;
  let seen = 0;
  for (let index = options.from; index < options.to && next < items.length; index++) {
    if (options.eligible && !options.eligible(index)) continue;
    if (seen++ % options.stride === 0) slots.set(index, items[next++]);
  }
  return slots;
}
