/** Types and constants shared by the bench parent (run.ts) and its child processes (servers/). */
import type { RecordedCall } from '../../src/emulators/base.js';

/** The five providers in rollcall's registry order, as the small emulator set holds them. */
export const SMALL_SET = ['TWO_CHAT', 'TWILIO_CONVERSATIONS', 'ADA', 'COMETCHAT', 'VOXIMPLANT'] as const;
export type SmallSetId = (typeof SMALL_SET)[number];
/** The providers scenario 8 (scale) sizes up: the four with a list API that pages. */
export const SCALE_PROVIDERS = ['TWILIO_CONVERSATIONS', 'ADA', 'COMETCHAT', 'VOXIMPLANT'] as const;
export type ScaleProvider = (typeof SCALE_PROVIDERS)[number];
/** Account sizes of scenario 8, in users. */
export const SCALE_SIZES = [1000, 10_000, 100_000] as const;
export type ScaleSize = (typeof SCALE_SIZES)[number];
/** One emulator of scenario 8: a provider with `size` users. */
export type ScaleId = `${ScaleProvider}@${ScaleSize}`;
export const scaleId = (provider: ScaleProvider, size: ScaleSize): ScaleId => `${provider}@${size}`;

/** Account sizes (per source) of scenario 10, the directory: five sources of each. */
export const DIRECTORY_EXTRA_SIZES = [1000, 100_000] as const satisfies readonly ScaleSize[];
export type DirectorySize = (typeof DIRECTORY_EXTRA_SIZES)[number];
/**
 * Scenario 10's fifth source at each directory size: a second CometChat account (another app, other
 * users), beside the four scale emulators of that size.
 */
export type DirectoryExtraId = `COMETCHAT_EU@${DirectorySize}`;
export const directoryExtraId = (size: DirectorySize): DirectoryExtraId => `COMETCHAT_EU@${size}`;

/**
 * The small set, the providers' default (larger) lists for the scenarios that page through them, the
 * scale set and the directory's extra source.
 */
export type EmulatorId =
  | SmallSetId
  | 'TWILIO_LARGE'
  | 'ADA_LARGE'
  | 'COMETCHAT_LARGE'
  | ScaleId
  | DirectoryExtraId;

/** One source of scenario 10's configuration file: an emulator and what points rollcall at it. */
export interface DirectorySource {
  /** The source's name in the file. */
  name: string;
  /** The provider's key in the file (`twilio`, `ada`, `cometchat`, `voximplant`). */
  provider: string;
  emulator: EmulatorId;
  /** The emulator's `demoEnv()`: the provider's variables, which the file's keys stand for. */
  env: Record<string, string>;
}

export interface EmulatorsInfo {
  /** Environment pointing rollcall at the five small-set emulators. */
  smallEnv: Record<string, string>;
  /** Environment pointing rollcall at the large Twilio emulator only. */
  largeTwilioEnv: Record<string, string>;
  /**
   * Environment for the paging scenario: every provider with lists that span several windows of 100
   * where the emulator allows it (2Chat and Voximplant have fixed seeds: the small set's emulators).
   */
  pagingEnv: Record<string, string>;
  /** Which emulator serves each provider in `pagingEnv`. */
  pagingEmulators: Record<SmallSetId, EmulatorId>;
  /** Per account size, the environment pointing rollcall at the four scale emulators of that size. */
  scaleEnv: Record<ScaleSize, Record<string, string>>;
  /** Per directory size, scenario 10's five sources: the four scale emulators and a second CometChat. */
  directorySources: Record<DirectorySize, DirectorySource[]>;
  baseUrls: Record<EmulatorId, string>;
}

/** A recorded upstream call, enough to send it again. */
export type ReplayableCall = Omit<RecordedCall, 'status' | 'at'>;

/** What a server child reports when it is ready. */
export interface ServerInfo {
  url: string;
}
