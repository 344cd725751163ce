/**
 * Sources: one account of one provider. A provider declares how one of its sources is written in
 * `rollcall.config.yaml` (its `credentials` and `options` keys) and which of its environment variables
 * each key stands for: a source from the file is read by the same `readConfig` as the environment's,
 * through an `EnvReader` whose problems name the file's keys (`sources[2].credentials.authToken`)
 * instead of the variables.
 */

/** The value types a source key takes in the file (a list is passed to the variable comma-separated). */
export type SourceFieldType = 'string' | 'url' | 'path' | 'integer' | 'integerList';

export interface SourceField {
  /** The environment variable this key stands for. */
  env: string;
  type: SourceFieldType;
  /** A secret: the file must take it from `${env.NAME}` or `${file.PATH}`, never hold it literally. */
  secret?: boolean;
  /** Required in every source of this provider (other rules, such as "one of two", are readConfig's). */
  required?: boolean;
  /** What it is, for the published JSON Schema (editors show it). */
  description: string;
}

/** How a provider's source is declared in the file. */
export interface SourceDeclaration {
  /**
   * The provider's key in the file (`provider: twilio`), and the name of the one source the environment
   * variables define (`twilio`).
   */
  key: string;
  credentials: Readonly<Record<string, SourceField>>;
  options: Readonly<Record<string, SourceField>>;
}

/** What a source name looks like (ids carry it, so the rule lives with them). */
export { SOURCE_NAME } from '../../relay/globalId.js';
