import { TZDate } from "@date-fns/tz";
import { addDays, addMonths, differenceInCalendarDays, format } from "date-fns";

/** A calendar day, `YYYY-MM-DD`. */
export type Day = string;
export type Period = { start: Day; end: Day; days: number };

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

const knownZones = new Set<string>(["UTC"]);

function zoneCheck(timeZone: string): void {
  if (knownZones.has(timeZone)) return;
  if (Number.isNaN(new TZDate(0, timeZone).getTime())) {
    throw new RangeError(`Unknown time zone "${timeZone}"`);
  }
  knownZones.add(timeZone);
}

const toDay = (d: Date): Day => format(d, "yyyy-MM-dd");

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

/** The calendar day `instant` falls on in `timeZone`. */
export function localDay(instant: Date, timeZone: string): Day {
  zoneCheck(timeZone);
  return toDay(new TZDate(instant, timeZone));
}

// Plain calendar-day arithmetic needs no zone: UTC noon of the day, in milliseconds. (These run
// once per day of usage history, so they avoid TZDate, whose offset lookups dominated a refresh.)
function utcNoon(day: Day): number {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`Not a YYYY-MM-DD day: "${day}"`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12);
}

/** `day` moved by `n` calendar days (negative goes back). */
export function shiftDay(day: Day, n: number): Day {
  return new Date(utcNoon(day) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Calendar days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: Day, to: Day): number {
  return Math.round((utcNoon(to) - utcNoon(from)) / 86_400_000);
}

function periodStarting(start: TZDate): Period {
  const endDate = addDays(addMonths(start, 1), -1);
  return { start: toDay(start), end: toDay(endDate), days: differenceInCalendarDays(endDate, start) + 1 };
}

// Anchors above 28 would need a rule for months without that day; DESIGN limits them to 1–28.
function currentStart(now: Date, anchorDay: number, timeZone: string): TZDate {
  if (!Number.isInteger(anchorDay) || anchorDay < 1 || anchorDay > 28) {
    throw new RangeError(`Billing anchor day must be 1–28, got ${anchorDay}`);
  }
  zoneCheck(timeZone);
  const local = new TZDate(now, timeZone);
  const start = new TZDate(local.getFullYear(), local.getMonth(), anchorDay, 12, timeZone);
  return local.getDate() >= anchorDay ? start : addMonths(start, -1);
}

/** The billing period containing `now`: anchor day to the day before the next anchor, inclusive. */
export function billingPeriod(now: Date, anchorDay: number, timeZone: string): Period {
  return periodStarting(currentStart(now, anchorDay, timeZone));
}

/** The `count` complete periods before the current one, oldest first. */
export function previousPeriods(now: Date, anchorDay: number, timeZone: string, count: number): Period[] {
  const start = currentStart(now, anchorDay, timeZone);
  return Array.from({ length: count }, (_, i) => periodStarting(addMonths(start, i - count)));
}

export type UsageInput = {
  daily: { day: Day; events: number }[];
  monthlyEvents: number | null;
  anchorDay: number;
  timeZone: string;
  now: Date;
  /** How many complete periods to return in `history` (default 6). */
  periods?: number;
};

export type UsageHistoryRow = {
  start: Day;
  end: Day;
  events: number;
  percentOfQuota: number | null;
  /** Days of the period the daily data covers; `partial` when fewer than all of them. */
  coveredDays: number;
  partial: boolean;
};

export type UsageVsPlan = {
  period: Period & { daysElapsed: number; partial: boolean };
  eventsThisPeriod: number;
  percentOfQuota: number | null;
  projected: number | null;
  projectedPercent: number | null;
  willExceed: boolean | null;
  flagged80: boolean;
  daily: { day: Day; events: number; cumulative: number }[];
  history: UsageHistoryRow[];
};

const round1 = (n: number) => Math.round(n * 10) / 10;
const percent = (events: number, quota: number | null) => (quota ? round1((events / quota) * 100) : null);
// Integer comparison so "exactly 80%" is not lost to floating point.
const atLeast80 = (events: number, quota: number) => events * 10 >= quota * 8;

/** Usage against the plan for the current billing period, plus the last complete periods. */
export function usageVsPlan(input: UsageInput): UsageVsPlan {
  const { daily, anchorDay, timeZone, now } = input;
  const quota = input.monthlyEvents && input.monthlyEvents > 0 ? input.monthlyEvents : null;
  const today = localDay(now, timeZone);
  const period = billingPeriod(now, anchorDay, timeZone);
  const byDay = new Map<Day, number>();
  for (const row of daily) byDay.set(row.day, (byDay.get(row.day) ?? 0) + row.events);
  const dataFrom = [...byDay.keys()].sort()[0] ?? null;

  const rows: UsageVsPlan["daily"] = [];
  let cumulative = 0;
  for (let day = period.start; day <= today; day = shiftDay(day, 1)) {
    const events = byDay.get(day) ?? 0;
    cumulative += events;
    rows.push({ day, events, cumulative });
  }
  const daysElapsed = rows.length;
  const hasData = dataFrom !== null && dataFrom <= today;
  const projected = hasData ? Math.round((cumulative / daysElapsed) * period.days) : null;

  const history = previousPeriods(now, anchorDay, timeZone, input.periods ?? 6).flatMap((p) => {
    if (dataFrom === null || dataFrom > p.end) return [];
    let events = 0;
    for (let day = p.start; day <= p.end; day = shiftDay(day, 1)) events += byDay.get(day) ?? 0;
    const coveredDays = dataFrom <= p.start ? p.days : daysBetween(dataFrom, p.end) + 1;
    return [{ ...p, events, percentOfQuota: percent(events, quota), coveredDays, partial: coveredDays < p.days }];
  });

  return {
    period: { ...period, daysElapsed, partial: !hasData || dataFrom > period.start },
    eventsThisPeriod: cumulative,
    percentOfQuota: hasData ? percent(cumulative, quota) : null,
    projected,
    projectedPercent: projected === null ? null : percent(projected, quota),
    willExceed: quota && projected !== null ? projected > quota : null,
    flagged80: quota !== null && hasData && (atLeast80(cumulative, quota) || atLeast80(projected ?? 0, quota)),
    daily: rows,
    history,
  };
}
