/**
 * The environment reader every part of the configuration uses (the process settings in config.ts, each
 * provider's own variables in its definition): typed reads that collect problems instead of failing on
 * the first. A problem names the variable and what is allowed, never the value.
 */
/** Reads variables and collects problems instead of failing on the first. */
export class EnvReader {
  readonly problems: string[] = [];
  private readonly names: [string, string][];
  /**
   * `labels`: what to call each variable in problems (a source in the configuration file is read from
   * the variables its keys stand for, and its problems name the keys: `sources[2].credentials.authToken`).
   */
  constructor(
    private readonly env: Record<string, string | undefined>,
    labels: ReadonlyMap<string, string> = new Map(),
  ) {
    this.names = [...labels];
  }

  /** A trimmed value, or undefined when unset or blank. */
  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  int(name: string, fallback: number, range: { min: number; max: number }): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < range.min || value > range.max) {
      this.problem(`${name} must be an integer from ${range.min} to ${range.max}.`);
      return fallback;
    }
    return value;
  }

  optionalInt(name: string, range: { min: number; max: number }): number | undefined {
    return this.string(name) === undefined ? undefined : this.int(name, range.min, range);
  }

  bool(name: string): boolean | undefined {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return undefined;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problem(`${name} must be true or false.`);
    return undefined;
  }

  url(name: string): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    try {
      const url = new URL(raw);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
      if (url.username || url.password) {
        this.problem(`${name} must not contain credentials; use the provider's credential variables.`);
        return undefined;
      }
      return raw.replace(/\/+$/, '');
    } catch {
      this.problem(`${name} must be an absolute http(s) URL.`);
      return undefined;
    }
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problem(`${name} must be one of ${allowed.join(', ')}.`);
    return fallback;
  }

  problem(message: string): void {
    let text = message;
    // Whole names only (`_` is a word character: VOXIMPLANT_CREDENTIALS never matches inside …_JSON).
    for (const [name, label] of this.names)
      text = text.replace(new RegExp(`\\b${name}\\b`, 'g'), () => label);
    this.problems.push(text);
  }
}
