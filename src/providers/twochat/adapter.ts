/**
 * 2Chat paging translated to Relay. 2Chat has no upstream paging: `GET /open/users` returns every ACTIVE
 * user at once. So the whole list is one page-loader key, fetched at most once per operation, and every
 * window is a slice of it:
 *
 * - A cursor is the user's absolute index in the list; forward and backward windows are both exact.
 * - `totalCount` is the list length.
 * - Lookups by uuid (`twoChatUser`, `node`, federation references) are served from the same single list
 *   call: that is 2Chat's batch strategy, since it has no single-user endpoint. A uuid not in the list
 *   (unknown, or a user that is not ACTIVE) is null.
 */
import DataLoader from 'dataloader';
import { asOffset, sliceWindow, type PageRequest, type ProviderPage } from '../../relay/connection.js';
import type { CursorPayload } from '../../relay/cursor.js';
import { ByIdLoader } from '../loaders.js';
import type { ProviderAdapter, ProviderSession } from '../provider.js';
import type { TwoChatClient } from './client.js';
import { toTwoChatRecord } from './map.js';
import type { TwoChatUserRecord } from './types.js';

interface LoadedList {
  records: TwoChatUserRecord[];
  byUuid: Map<string, TwoChatUserRecord>;
}

/** The only key of the list loader: there is only one list. */
const WHOLE_LIST = 'open/users';

export class TwoChatSession implements ProviderSession<TwoChatUserRecord> {
  private readonly list: DataLoader<string, LoadedList>;
  private readonly users: ByIdLoader<TwoChatUserRecord>;

  constructor(private readonly client: TwoChatClient) {
    this.list = new DataLoader(
      // A failure is returned as a value, not thrown: DataLoader then keeps it cached, so a failed list
      // call is not repeated by the operation's later connections and lookups (a 429 stays one call).
      (keys) =>
        Promise.all(
          keys.map(() =>
            this.client.listUsers().then(
              (users) => {
                const records = users.map(toTwoChatRecord);
                for (const record of records) this.users.remember(record, [record.uuid]);
                return { records, byUuid: new Map(records.map((record) => [record.uuid, record])) };
              },
              (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
            ),
          ),
        ),
    );
    this.users = new ByIdLoader(async (uuids) => {
      const { byUuid } = await this.loadList();
      return uuids.map((uuid) => byUuid.get(uuid) ?? null);
    });
  }

  byId(uuid: string): Promise<TwoChatUserRecord | null> {
    return this.users.load(uuid);
  }

  validateCursor(payload: CursorPayload, argument: string): number {
    return asOffset(payload, argument);
  }

  async page(request: PageRequest<CursorPayload>): Promise<ProviderPage<TwoChatUserRecord, number>> {
    const { records } = await this.loadList();
    return sliceWindow(request as PageRequest<number>, records);
  }

  private loadList(): Promise<LoadedList> {
    return this.users.track(this.list.load(WHOLE_LIST));
  }
}

export class TwoChatAdapter implements ProviderAdapter<TwoChatSession> {
  constructor(private readonly client: TwoChatClient) {}

  session(): TwoChatSession {
    return new TwoChatSession(this.client);
  }
}
