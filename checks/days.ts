import { TZDate } from "@date-fns/tz";
import { format } from "date-fns";

/** A calendar day, `YYYY-MM-DD`. */
export type Day = string;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

const knownZones = new Set<string>(["UTC"]);

function zoneCheck(timeZone: string): void {
  if (knownZones.has(timeZone)) return;
  if (Number.isNaN(new TZDate(0, timeZone).getTime())) {
    throw new RangeError(`Unknown time zone "${timeZone}"`);
  }
  knownZones.add(timeZone);
}

/** `zone` when it is a zone this runtime knows; UTC otherwise (a project's zone comes from PostHog). */
export function zoneOrUtc(zone: string | null | undefined): string {
  if (!zone) return "UTC";
  try {
    zoneCheck(zone);
    return zone;
  } catch {
    return "UTC";
  }
}

/*
 * A refresh asks for the local day of the same few instants (now, the measurement time) many times
 * per customer, and TZDate's offset lookups were the larger part of assessing one: answers are
 * kept per zone and instant, dropped wholesale when the table grows (a long-lived server).
 */
const dayCache = new Map<string, Day>();
const dayStarts = new Map<string, number>();
const DAY_CACHE_MAX = 50_000;

/** The calendar day `instant` falls on in `timeZone` (throws on a zone the runtime does not know). */
export function localDay(instant: Date, timeZone: string): Day {
  const key = `${instant.getTime()}|${timeZone}`;
  const known = dayCache.get(key);
  if (known !== undefined) return known;
  zoneCheck(timeZone);
  const day = format(new TZDate(instant, timeZone), "yyyy-MM-dd");
  if (dayCache.size >= DAY_CACHE_MAX) dayCache.clear();
  dayCache.set(key, day);
  return day;
}

function parts(day: Day): [number, number, number] {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`Not a YYYY-MM-DD day: "${day}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

// Plain calendar-day arithmetic needs no zone: UTC noon of the day, in milliseconds. (These run
// once per day of usage history, so they avoid TZDate, whose offset lookups dominated a refresh.)
function utcNoon(day: Day): number {
  const [y, m, d] = parts(day);
  return Date.UTC(y, m - 1, d, 12);
}

// Usage walks months of history a day at a time, several times per assessment.
const nextDays = new Map<Day, Day>();

/** `day` moved by `n` calendar days (negative goes back). */
export function shiftDay(day: Day, n: number): Day {
  if (n === 1) {
    const next = nextDays.get(day);
    if (next !== undefined) return next;
  }
  const shifted = new Date(utcNoon(day) + n * DAY_MS).toISOString().slice(0, 10);
  if (n === 1) {
    if (nextDays.size >= DAY_CACHE_MAX) nextDays.clear();
    nextDays.set(day, shifted);
  }
  return shifted;
}

/** Calendar days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: Day, to: Day): number {
  return Math.round((utcNoon(to) - utcNoon(from)) / DAY_MS);
}

/** Days in the month of year `y`, month `m` (1–12). */
export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * The instant `day` begins in `timeZone`. Where midnight does not exist (a DST change at
 * midnight, e.g. America/Santiago) the day begins at the first instant that does.
 */
export function startOfLocalDay(day: Day, timeZone: string): Date {
  // Usage asks for the start of the same few days of every customer in a zone (the period's).
  const key = `${day}|${timeZone}`;
  const known = dayStarts.get(key);
  if (known !== undefined) return new Date(known);
  zoneCheck(timeZone);
  const [y, m, d] = parts(day);
  const midnight = new TZDate(y, m - 1, d, 0, 0, 0, timeZone);
  // TZDate moves a skipped midnight forward into the day; one that lands on the day before
  // (never seen, but cheap to guard) is pushed to the next hour.
  const start = localDay(midnight, timeZone) === day ? midnight.getTime() : midnight.getTime() + 3_600_000;
  if (dayStarts.size >= DAY_CACHE_MAX) dayStarts.clear();
  dayStarts.set(key, start);
  return new Date(start);
}

/** The first instant after `instant` at which the local day changes in `timeZone`. */
export function nextLocalMidnight(instant: Date, timeZone: string): Date {
  return startOfLocalDay(shiftDay(localDay(instant, timeZone), 1), timeZone);
}

/** Whether a string is a real calendar day ("2025-02-30" matches the pattern but is not). */
export function isCalendarDay(value: string): boolean {
  const m = DAY_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}
