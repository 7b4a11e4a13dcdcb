import { describe, expect, it } from 'vitest';
import { addBusinessTime, type BusinessCalendar, businessTimeBetween } from '../../domain/calendar.js';

const PARIS: BusinessCalendar = { timeZone: 'Europe/Paris', workingDays: [1, 2, 3, 4, 5], startHour: 9, endHour: 17 };
const H = 3_600_000;
const at = (iso: string) => new Date(iso);

describe('business calendar', () => {
  it('counts wall-clock time when there is no calendar', () => {
    expect(addBusinessTime(at('2026-03-06T16:00:00Z'), 2 * H).toISOString()).toBe('2026-03-06T18:00:00.000Z');
    expect(businessTimeBetween(at('2026-03-06T16:00:00Z'), at('2026-03-06T18:00:00Z'))).toBe(2 * H);
  });

  it('carries work past the end of Friday to Monday morning (Paris, winter: UTC+1)', () => {
    // Friday 2026-03-06 16:00 Paris = 15:00Z; 2 h of work = 1 h Friday + 1 h Monday → Monday 10:00 Paris.
    expect(addBusinessTime(at('2026-03-06T15:00:00Z'), 2 * H, PARIS).toISOString()).toBe('2026-03-09T09:00:00.000Z');
    expect(businessTimeBetween(at('2026-03-06T15:00:00Z'), at('2026-03-09T09:00:00Z'), PARIS)).toBe(2 * H);
  });

  it('starts the clock at opening time when work is received after hours or at the weekend', () => {
    // Saturday → Monday 09:00 Paris (08:00Z) + 30 min.
    expect(addBusinessTime(at('2026-03-07T12:00:00Z'), H / 2, PARIS).toISOString()).toBe('2026-03-09T08:30:00.000Z');
    expect(businessTimeBetween(at('2026-03-07T00:00:00Z'), at('2026-03-08T23:00:00Z'), PARIS)).toBe(0);
  });

  it('follows daylight saving: the working day moves in UTC when Paris changes to summer time', () => {
    // Friday 2026-03-27 16:00 Paris (15:00Z, UTC+1); DST starts Sunday 29 March; Monday 09:00 Paris = 07:00Z.
    expect(addBusinessTime(at('2026-03-27T15:00:00Z'), 2 * H, PARIS).toISOString()).toBe('2026-03-30T08:00:00.000Z');
  });

  it('handles another zone and working week (Dubai, Sunday–Thursday, UTC+4)', () => {
    const dubai: BusinessCalendar = { timeZone: 'Asia/Dubai', workingDays: [7, 1, 2, 3, 4], startHour: 8, endHour: 16 };
    // Friday 2026-03-06 10:00 Dubai (06:00Z) is off: work starts Sunday 08:00 Dubai = 04:00Z.
    expect(addBusinessTime(at('2026-03-06T06:00:00Z'), H, dubai).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(businessTimeBetween(at('2026-03-06T06:00:00Z'), at('2026-03-09T06:00:00Z'), dubai)).toBe(8 * H + 2 * H);
  });

  it('adds and measures consistently over several weeks', () => {
    const start = at('2026-03-04T10:17:00Z');
    const end = addBusinessTime(start, 100 * H, PARIS);
    expect(businessTimeBetween(start, end, PARIS)).toBe(100 * H);
  });
});
