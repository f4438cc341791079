import { createHash } from "node:crypto";

/** Counts for one project-local day, as the daily HogQL query would compute them. */
export type DayCounts = { events: number; identifies: number; localEvents: number; nonLocalEvents: number; flagCalls: number };

/**
 * Some of a day's events in detail: name, properties and how many (for the optional columns).
 * `pool` names the people who send them (`size` distinct persons, the same every day), for
 * distinct-person counts; without one, every event is a different person.
 */
export type SyntheticStream = {
  event: string;
  properties: Record<string, string>;
  count: number;
  pool?: { id: string; size: number };
};

/**
 * A share of each day's events that carries these properties, e.g. 40% `$pageview` from the web
 * SDK; `persons` is how many distinct people send them.
 */
export type StreamSpec = { event: string; share: number; properties?: Record<string, string>; persons?: number };

export function streamsOf(specs: StreamSpec[]): (counts: DayCounts) => SyntheticStream[] {
  return (counts) =>
    specs
      .map((s, i) => ({
        event: s.event,
        properties: s.properties ?? {},
        count: Math.round(counts.events * s.share),
        ...(s.persons ? { pool: { id: `stream-${i}`, size: s.persons } } : {}),
      }))
      .filter((s) => s.count > 0);
}

/** One event at an exact moment (tests of window edges, clock skew and time zones). */
export type TimelineEvent = { at: string; event: string; properties?: Record<string, string>; person?: string };

/**
 * Daily traffic as a pure function of "days before the sandbox's today" (0 = today) and of how
 * much of that day is gone (0–1; 1 for every past day).
 */
export type Traffic = (daysAgo: number, dayGone?: number) => DayCounts;

export const NO_EVENTS: DayCounts = { events: 0, identifies: 0, localEvents: 0, nonLocalEvents: 0, flagCalls: 0 };

/** Deterministic value in [0, 1) for (seed, parts): no state, so any day can be asked for in any order. */
export function unit(seed: string, ...parts: (string | number)[]): number {
  const digest = createHash("sha256")
    .update([seed, ...parts].join("|"))
    .digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

export function hex(seed: string, length: number, ...parts: (string | number)[]): string {
  return createHash("sha256")
    .update([seed, ...parts].join("|"))
    .digest("hex")
    .slice(0, length);
}

export function uuid(seed: string, ...parts: (string | number)[]): string {
  const h = hex(seed, 32, ...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export type SteadyTraffic = {
  seed: string;
  /** Average events per day. */
  perDay: number;
  /** Project age: no events before it existed. */
  createdDaysAgo: number;
  /** Events stopped this many days ago (slipping customers). */
  stoppedDaysAgo?: number;
  identifyShare?: number;
  localShare?: number;
  flagShare?: number;
};

/**
 * ±15% daily noise around `perDay`, so sums over 30 days land within ~2% of perDay × 30. Today
 * has only the part of its events already sent, as a real project would: a whole day's events
 * crammed into the first minutes after midnight made a steady customer's projection jump by a
 * third on the fourth day of its period.
 */
export function steady(spec: SteadyTraffic): Traffic {
  const { seed, perDay, createdDaysAgo, stoppedDaysAgo = -1 } = spec;
  return (daysAgo, dayGone = 1) => {
    if (daysAgo > createdDaysAgo || daysAgo <= stoppedDaysAgo) return NO_EVENTS;
    const share = daysAgo === 0 ? Math.min(1, Math.max(0, dayGone)) : 1;
    const events = Math.round(perDay * (0.85 + 0.3 * unit(seed, "events", daysAgo)) * share);
    const localEvents = Math.round(events * (spec.localShare ?? 0));
    return {
      events,
      identifies: Math.round(events * (spec.identifyShare ?? 0)),
      localEvents,
      nonLocalEvents: events - localEvents,
      flagCalls: Math.round(events * (spec.flagShare ?? 0)),
    };
  };
}

/** Exactly these events on these days (days ago → counts), nothing else. */
export function sparse(days: Record<number, Partial<DayCounts> & { events: number }>): Traffic {
  return (daysAgo) => {
    const day = days[daysAgo];
    if (!day) return NO_EVENTS;
    const localEvents = day.localEvents ?? 0;
    return { ...NO_EVENTS, ...day, localEvents, nonLocalEvents: day.events - localEvents };
  };
}

const MS_PER_DAY = 86_400_000;

// Building an Intl.DateTimeFormat costs far more than using one; the sandbox answers thousands.
const formats = new Map<string, Intl.DateTimeFormat>();
function formatFor(kind: "parts" | "day", timeZone: string): Intl.DateTimeFormat {
  const key = `${kind}|${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    format =
      kind === "day"
        ? new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
        : new Intl.DateTimeFormat("en-US", {
            timeZone,
            hourCycle: "h23",
            year: "numeric",
            month: "2-digit",
            day: "2-digit",
            hour: "2-digit",
            minute: "2-digit",
            second: "2-digit",
          });
    formats.set(key, format);
  }
  return format;
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in milliseconds. */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatFor("parts", timeZone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, Number(p.value)]),
  );
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}

// Every daily query asks for the same few dozen midnights per zone; formatToParts is the sandbox's
// costliest step, so each (day, zone) is worked out once.
const midnights = new Map<string, number>();

/** The instant local midnight starts `day` in `timeZone` (DST changes happen away from midnight in practice). */
export function localMidnight(day: string, timeZone: string): number {
  const key = `${day}|${timeZone}`;
  let midnight = midnights.get(key);
  if (midnight === undefined) {
    const wall = Date.parse(`${day}T00:00:00Z`);
    const guess = wall - zoneOffsetMs(wall, timeZone);
    midnight = wall - zoneOffsetMs(guess, timeZone);
    midnights.set(key, midnight);
  }
  return midnight;
}

/** YYYY-MM-DD of `date` in an IANA zone (Intl is enough here and keeps the sandbox dependency-free). */
export function dayIn(date: Date, timeZone: string): string {
  return formatFor("day", timeZone).format(date);
}

/** Whole calendar days from `from` to `to` (both YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / MS_PER_DAY);
}

export function addDaysTo(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * MS_PER_DAY).toISOString().slice(0, 10);
}

export function daysAgoIso(now: Date, days: number, hourOffset = 0): string {
  return new Date(now.getTime() - days * MS_PER_DAY + hourOffset * 3_600_000).toISOString();
}
