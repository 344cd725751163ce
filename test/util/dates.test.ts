import { describe, expect, it } from '@jest/globals';
import { parseTimestamp } from '../../src/util/dates.js';

const iso = (value: unknown) => parseTimestamp(value)?.toISOString() ?? null;

describe('parseTimestamp', () => {
  it('reads ISO-8601 UTC, with or without milliseconds', () => {
    expect(iso('2024-03-05T07:08:09Z')).toBe('2024-03-05T07:08:09.000Z');
    expect(iso('2024-03-05T07:08:09.120Z')).toBe('2024-03-05T07:08:09.120Z');
  });

  it('reads ISO-8601 with an offset, and trims fractions longer than milliseconds', () => {
    expect(iso('2024-03-05T07:08:09+02:00')).toBe('2024-03-05T05:08:09.000Z');
    expect(iso('2024-03-05T07:08:09.123456Z')).toBe('2024-03-05T07:08:09.123Z');
  });

  it('takes a time without a zone as UTC, with a space (Voximplant) or a T', () => {
    expect(iso('2024-03-05 07:08:09')).toBe('2024-03-05T07:08:09.000Z');
    expect(iso('2024-03-05T07:08:09')).toBe('2024-03-05T07:08:09.000Z');
    expect(iso(' 2024-03-05 07:08:09.890000 ')).toBe('2024-03-05T07:08:09.890Z');
  });

  it('reads epoch seconds as a number or digits', () => {
    expect(iso(1709622489)).toBe('2024-03-05T07:08:09.000Z');
    expect(iso('1709622489')).toBe('2024-03-05T07:08:09.000Z');
  });

  it('never makes up a date: impossible days and times, other formats and types are null', () => {
    for (const value of [
      '2024-02-30 10:00:00',
      '2024-02-30T10:00:00Z',
      '2023-02-29 10:00:00',
      '2024-13-01 10:00:00',
      '2024-01-01 24:00:00',
      '2024-01-01 23:60:00',
      'yesterday',
      '',
      null,
      undefined,
      Number.NaN,
      {},
    ])
      expect(iso(value)).toBeNull();
    expect(iso('2024-02-29 10:00:00')).toBe('2024-02-29T10:00:00.000Z');
  });
});
