/**
 * Lenient timestamp parsing for the formats providers send: ISO-8601 with or without a zone (no zone
 * means UTC), `YYYY-MM-DD HH:mm:ss` (UTC), and epoch seconds. Anything else is null, never a made-up date.
 */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
/** `YYYY-MM-DD HH:mm:ss` (Voximplant), or with a `T`, without a zone: UTC. */
const PLAIN_UTC = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

export function parseTimestamp(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    return new Date(value * 1000);
  }
  if (typeof value !== 'string') return null;
  // The common case first: an ISO-8601 UTC time as most providers send it.
  if (ISO_UTC.test(value)) {
    const time = Date.parse(value);
    if (Number.isNaN(time)) return null;
    const date = new Date(time);
    // Date.parse rolls an impossible day over (February 30th → March 1st): not a date.
    return date.getUTCDate() === Number(value.slice(8, 10)) ? date : null;
  }
  const plain = PLAIN_UTC.exec(value);
  if (plain) {
    const [year, month, day, hours, minutes, seconds] = plain.slice(1).map(Number);
    // Out-of-range parts (month 13, second 61) are not a date: Date.UTC would roll them over.
    if (month < 1 || month > 12 || day < 1 || day > 31 || hours > 23 || minutes > 59 || seconds > 59)
      return null;
    const date = new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
    return date.getUTCDate() === day ? date : null;
  }
  let text = value.trim();
  if (/^\d+$/.test(text)) return new Date(Number(text) * 1000);
  // `YYYY-MM-DD HH:mm:ss` → ISO.
  text = text.replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})/, '$1T$2');
  // Without a zone, the providers mean UTC (Date.parse would take local time).
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(text)) text += 'Z';
  // JavaScript dates keep milliseconds: trim longer fractions such as `.890000`.
  text = text.replace(/(\.\d{3})\d+/, '$1');
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time);
}
