/**
 * Bench child: the upstreams. Every provider emulator with injected latency (BENCH_LATENCY_MS), in two
 * data sets:
 * - `small`: all five providers with small lists (2Chat 30, Twilio 22, Ada 20, CometChat the first 24
 *   of its seed, Voximplant its seed), so `users(first: 100)` spans all five providers;
 * - `TWILIO_LARGE`: Twilio with its default 124 users, for the `twilioConversationUsers(first: 50)`
 *   scenarios (a full page of 50);
 * - the paging set: 2Chat and Voximplant of the small set (their seeds are fixed), `TWILIO_LARGE`, and
 *   `ADA_LARGE` (Ada's default 240 end-users) and `COMETCHAT_LARGE` (CometChat's whole seed), so that
 *   sequential walks at windows of 7, 50 and 100 cross many provider pages;
 * - the scale set: Twilio, Ada, CometChat and Voximplant with 1,000, 10,000 and 100,000 users each
 *   (generated deterministically by the emulators), for scenario 8;
 * - the directory's fifth source (scenario 10): a second CometChat account (`COMETCHAT_EU@<size>`, its
 *   own app id and key) with 1,000 and 100,000 users other than the first CometChat's.
 *
 * Commands: `counts` (calls served per emulator since the last `reset`), `reset` (clears the call logs),
 * `recent` (the last calls of one emulator with their headers, to replay rollcall's exact calls directly),
 * `latency` (sets one emulator's injected latency: scenario 8 walks to its cursors without it).
 */
import type { EmulatorServer } from '../../src/emulators/base.js';
import { POOL_DOMAIN } from '../../src/emulators/people.js';
import { AdaEmulator } from '../../src/providers/ada/emulator.js';
import { CometChatEmulator } from '../../src/providers/cometchat/emulator.js';
import { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { TwoChatEmulator } from '../../src/providers/twochat/emulator.js';
import { VoximplantEmulator } from '../../src/providers/voximplant/emulator.js';
import { runChild } from '../lib/child.js';
import {
  DIRECTORY_EXTRA_SIZES,
  directoryExtraId,
  SCALE_PROVIDERS,
  SCALE_SIZES,
  scaleId,
  SMALL_SET,
  type DirectorySize,
  type DirectorySource,
  type EmulatorId,
  type ScaleProvider,
  type ScaleSize,
  type EmulatorsInfo,
  type ReplayableCall,
  type SmallSetId,
} from '../lib/shared.js';

/** How many CometChat seed users the small set keeps: the first of its sorted seed, as in earlier runs. */
const COMETCHAT_KEEP = 24;

/** The directory's source names (scenario 10's configuration file) of the scale providers. */
const SOURCE: Record<ScaleProvider, { name: string; provider: string }> = {
  TWILIO_CONVERSATIONS: { name: 'twilio', provider: 'twilio' },
  ADA: { name: 'ada', provider: 'ada' },
  COMETCHAT: { name: 'cometchat', provider: 'cometchat' },
  VOXIMPLANT: { name: 'voximplant', provider: 'voximplant' },
};

/**
 * A second CometChat account of `size` users, none of them the first one's. The emulator has no seed
 * option (its app id does not change its users), but its generator is one deterministic sequence: the
 * first `size` users of an emulator of `2 × size` are exactly those of the emulator of `size` (its six
 * superheroes and generated users 1 to size − 6, the number ending each generated uid), so keeping the
 * generated users after them leaves `size` other users (other uids, names drawn from the same lists),
 * the same at every run. They are kept before any list call, in their sorted order: the emulator builds
 * its list views on the first one.
 */
function secondCometChat(latencyMs: number, size: DirectorySize): CometChatEmulator {
  const emulator = new CometChatEmulator({
    latencyMs,
    userCount: 2 * size,
    appId: 'rollcallbencheu',
    apiKey: 'rollcall-bench-cometchat-eu-fullaccess-key',
  });
  const kept = emulator.users.filter((user) => {
    const match = /-(\d+)$/.exec(user.uid);
    return match !== null && Number(match[1]) > size - 6;
  });
  emulator.users.length = 0;
  for (const user of kept) emulator.users.push(user);
  if (emulator.users.length !== size)
    throw new Error(`the second CometChat holds ${emulator.users.length} users, not ${size}`);
  return emulator;
}

await runChild(async () => {
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? '20');
  const cometChat = new CometChatEmulator({ latencyMs });
  cometChat.users.length = Math.min(cometChat.users.length, COMETCHAT_KEEP);
  // 2Chat keeps its own 30 users: the demo people (src/emulators/people.ts) appended after them would
  // push the other providers out of the first 100 users.
  const twoChat = new TwoChatEmulator({ latencyMs });
  const ownUsers = twoChat.users.filter(
    (user) => !user.email?.trim().toLowerCase().endsWith(`@${POOL_DOMAIN}`),
  );
  twoChat.users.length = 0;
  twoChat.users.push(...ownUsers);
  type Emulator = EmulatorServer & { demoEnv(): Record<string, string> };
  const scale: [EmulatorId, Emulator][] = [];
  for (const size of SCALE_SIZES) {
    scale.push(
      // Twilio's count is of generated users, beside its two documented ones.
      [scaleId('TWILIO_CONVERSATIONS', size), new TwilioEmulator({ latencyMs, userCount: size - 2 })],
      [scaleId('ADA', size), new AdaEmulator({ latencyMs, userCount: size })],
      [scaleId('COMETCHAT', size), new CometChatEmulator({ latencyMs, userCount: size })],
      [scaleId('VOXIMPLANT', size), await VoximplantEmulator.create({ latencyMs, userCount: size })],
    );
  }
  for (const size of DIRECTORY_EXTRA_SIZES)
    scale.push([directoryExtraId(size), secondCometChat(latencyMs, size)]);
  const emulators = {
    ...(Object.fromEntries(scale) as Record<EmulatorId, Emulator>),
    TWO_CHAT: twoChat,
    TWILIO_CONVERSATIONS: new TwilioEmulator({ latencyMs, userCount: 20 }),
    ADA: new AdaEmulator({ latencyMs, userCount: 20 }),
    COMETCHAT: cometChat,
    VOXIMPLANT: await VoximplantEmulator.create({ latencyMs }),
    TWILIO_LARGE: new TwilioEmulator({ latencyMs }),
    ADA_LARGE: new AdaEmulator({ latencyMs }),
    COMETCHAT_LARGE: new CometChatEmulator({ latencyMs }),
  } satisfies Record<EmulatorId, Emulator>;
  const pagingEmulators: Record<SmallSetId, EmulatorId> = {
    TWO_CHAT: 'TWO_CHAT',
    TWILIO_CONVERSATIONS: 'TWILIO_LARGE',
    ADA: 'ADA_LARGE',
    COMETCHAT: 'COMETCHAT_LARGE',
    VOXIMPLANT: 'VOXIMPLANT',
  };
  const all = Object.entries(emulators) as [EmulatorId, Emulator][];
  await Promise.all(all.map(([, emulator]) => emulator.start()));

  const info: EmulatorsInfo = {
    smallEnv: Object.assign({}, ...SMALL_SET.map((id) => emulators[id].demoEnv())) as Record<string, string>,
    largeTwilioEnv: emulators.TWILIO_LARGE.demoEnv(),
    pagingEnv: Object.assign(
      {},
      ...SMALL_SET.map((id) => emulators[pagingEmulators[id]].demoEnv()),
    ) as Record<string, string>,
    pagingEmulators,
    scaleEnv: Object.fromEntries(
      SCALE_SIZES.map((size) => [
        size,
        Object.assign({}, ...SCALE_PROVIDERS.map((p) => emulators[scaleId(p, size)].demoEnv())),
      ]),
    ) as Record<ScaleSize, Record<string, string>>,
    directorySources: Object.fromEntries(
      DIRECTORY_EXTRA_SIZES.map((size): [DirectorySize, DirectorySource[]] => [
        size,
        [
          ...SCALE_PROVIDERS.map((p) => ({
            ...SOURCE[p],
            emulator: scaleId(p, size),
            env: emulators[scaleId(p, size)].demoEnv(),
          })),
          {
            name: 'cometchat-eu',
            provider: 'cometchat',
            emulator: directoryExtraId(size),
            env: emulators[directoryExtraId(size)].demoEnv(),
          },
        ],
      ]),
    ) as Record<DirectorySize, DirectorySource[]>,
    baseUrls: Object.fromEntries(all.map(([id, emulator]) => [id, emulator.baseUrl])) as Record<
      EmulatorId,
      string
    >,
  };
  return {
    info,
    handlers: {
      counts: () => Object.fromEntries(all.map(([id, emulator]) => [id, emulator.totalCalls])),
      reset: () => {
        for (const [, emulator] of all) emulator.resetCalls();
        return true;
      },
      latency: ({ id, ms }: { id: EmulatorId; ms: number }) => {
        emulators[id].latencyMs = ms;
        return true;
      },
      recent: ({ id, n }: { id: EmulatorId; n: number }): ReplayableCall[] =>
        emulators[id].calls.slice(-n).map(({ method, path, query, headers, body }) => ({
          method,
          path,
          query,
          headers,
          body,
        })),
    },
    stop: async () => {
      await Promise.all(all.map(([, emulator]) => emulator.stop()));
    },
  };
});
