/**
 * Lenient timestamp parsing for the formats providers send: ISO-8601 with or without a zone (no zone
 * means UTC), `YYYY-MM-DD HH:mm:ss` (UTC), and epoch seconds. Anything else is null, never a made-up date.
 */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

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
    return Number.isNaN(time) ? null : new Date(time);
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
