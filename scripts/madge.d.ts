/** The part of madge's API scripts/check-layers.ts uses (madge 8 ships no types; @types/madge is for 5). */
declare module 'madge' {
  interface MadgeResult {
    /** Each module and the modules it imports, as paths relative to the base directory. */
    obj(): Record<string, string[]>;
    circular(): string[][];
  }
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string;
    detectiveOptions?: Record<string, Record<string, unknown>>;
  }
  export default function madge(path: string, config?: MadgeConfig): Promise<MadgeResult>;
}
