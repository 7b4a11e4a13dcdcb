/**
 * Business calendars: SLAs that count only working hours in a time zone (e.g. Mon–Fri 09:00–17:00
 * Europe/Paris). Pure: instants in, instants out; time zones through Intl, daylight saving included.
 */
export interface BusinessCalendar {
  timeZone: string;
  /** ISO weekdays that are worked: 1 = Monday … 7 = Sunday. */
  workingDays: number[];
  /** Working hours, local time, [startHour, endHour). */
  startHour: number;
  endHour: number;
}

const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date and offset of `instant` in `timeZone`. */
function local(instant: number, timeZone: string): { y: number; m: number; d: number; weekday: number; offsetMs: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  const [y, m, d] = [Number(p.year), Number(p.month), Number(p.day)];
  const asUtc = Date.UTC(y, m - 1, d, Number(p.hour), Number(p.minute), Number(p.second));
  const weekday = ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
  return { y, m, d, weekday, offsetMs: asUtc - Math.floor(instant / 1000) * 1000 };
}

/** The instant of local wall time `hour:00` on the local day (y, m, d) in `timeZone`. */
function atLocal(y: number, m: number, d: number, hour: number, timeZone: string): number {
  const guess = Date.UTC(y, m - 1, d, hour);
  const first = guess - local(guess, timeZone).offsetMs;
  return guess - local(first, timeZone).offsetMs;
}

/** The working windows [start, end) of the local days from `from`'s day on, in order. */
function* windows(from: number, cal: BusinessCalendar): Generator<[number, number]> {
  const start = local(from, cal.timeZone);
  for (let i = 0; i < 3660; i++) {
    const day = new Date(Date.UTC(start.y, start.m - 1, start.d) + i * DAY);
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    const weekday = ((day.getUTCDay() + 6) % 7) + 1;
    if (!cal.workingDays.includes(weekday)) continue;
    yield [atLocal(y, m, d, cal.startHour, cal.timeZone), atLocal(y, m, d, cal.endHour, cal.timeZone)];
  }
  throw new Error('business calendar has no working time within ten years');
}

/** The instant at which `durationMs` of working time has passed since `from`. */
export function addBusinessTime(from: Date, durationMs: number, cal?: BusinessCalendar): Date {
  if (!cal) return new Date(from.getTime() + durationMs);
  let left = durationMs;
  for (const [start, end] of windows(from.getTime(), cal)) {
    const begin = Math.max(start, from.getTime());
    if (begin >= end) continue;
    if (end - begin >= left) return new Date(begin + left);
    left -= end - begin;
  }
  throw new Error('unreachable');
}

/** Working time between two instants (0 when `to` is not after `from`). */
export function businessTimeBetween(from: Date, to: Date, cal?: BusinessCalendar): number {
  if (to <= from) return 0;
  if (!cal) return to.getTime() - from.getTime();
  let total = 0;
  for (const [start, end] of windows(from.getTime(), cal)) {
    if (start >= to.getTime()) break;
    total += Math.max(0, Math.min(end, to.getTime()) - Math.max(start, from.getTime()));
  }
  return total;
}
