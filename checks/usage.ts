import { type Day, daysBetween, daysInMonth, localDay, shiftDay, startOfLocalDay } from "./days";

export type Period = { start: Day; end: Day; days: number };

/** Billing anchors run 1–31; a month without the anchor day bills from its last day (31 → 28 Feb). */
export const MAX_ANCHOR_DAY = 31;

function assertAnchor(anchorDay: number) {
  if (!Number.isInteger(anchorDay) || anchorDay < 1 || anchorDay > MAX_ANCHOR_DAY) {
    throw new RangeError(`Billing anchor day must be 1–${MAX_ANCHOR_DAY}, got ${anchorDay}`);
  }
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The anchor day of month `m` (1–12, may run past 12 or below 1) of year `y`, clamped to the month's length. */
function anchorIn(y: number, m: number, anchorDay: number): Day {
  const year = y + Math.floor((m - 1) / 12);
  const month = ((((m - 1) % 12) + 12) % 12) + 1;
  return `${year}-${pad(month)}-${pad(Math.min(anchorDay, daysInMonth(year, month)))}`;
}

function periodFrom(startY: number, startM: number, anchorDay: number): Period {
  const start = anchorIn(startY, startM, anchorDay);
  const end = shiftDay(anchorIn(startY, startM + 1, anchorDay), -1);
  return { start, end, days: daysBetween(start, end) + 1 };
}

/** Year and month of the period containing `day`. */
function periodMonthOf(day: Day, anchorDay: number): [number, number] {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  return day >= anchorIn(y, m, anchorDay) ? [y, m] : [y, m - 1];
}

/** The billing period containing `day`: anchor day to the day before the next anchor, inclusive. */
export function billingPeriodOfDay(day: Day, anchorDay: number): Period {
  assertAnchor(anchorDay);
  const [y, m] = periodMonthOf(day, anchorDay);
  return periodFrom(y, m, anchorDay);
}

/** The billing period containing `now` in the customer's project time zone. */
export function billingPeriod(now: Date, anchorDay: number, timeZone: string): Period {
  return billingPeriodOfDay(localDay(now, timeZone), anchorDay);
}

/** The `count` complete periods before the current one, oldest first. */
export function previousPeriods(now: Date, anchorDay: number, timeZone: string, count: number): Period[] {
  assertAnchor(anchorDay);
  const [y, m] = periodMonthOf(localDay(now, timeZone), anchorDay);
  return Array.from({ length: count }, (_, i) => periodFrom(y, m - count + i, anchorDay));
}

export type UsageInput = {
  /**
   * Measured days only. A day without a row was never measured: it is missing, never zero
   * (a refresh zero-fills the days it did measure).
   */
  daily: { day: Day; events: number }[];
  /** When the newest of those measurements was taken; its day is measured only up to then. */
  measuredAt: Date | null;
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

/**
 * Which rate the projection used: the period's average, the last 7 days' (when it differs, e.g.
 * a customer that stopped sending), or none (under 3 days of data, or none at all).
 */
export type ProjectionBasis = "period-average" | "last-7-days" | "too-early" | "no-data";

export type UsageVsPlan = {
  period: Period & { daysElapsed: number; partial: boolean };
  /** Events on the measured days of this period. */
  eventsThisPeriod: number;
  /** Measured time in this period, in days (the newest day counts up to its measurement). */
  dataDays: number;
  /** Days of this period up to today that were never measured. */
  missingDays: number;
  /** The newest measured day, in any period; null before the first measurement. */
  dataThrough: Day | null;
  percentOfQuota: number | null;
  projected: number | null;
  projectedPercent: number | null;
  projection: { basis: ProjectionBasis; perDay: number | null; periodAverage: number | null; last7Days: number | null };
  willExceed: boolean | null;
  flagged80: boolean;
  /** At or above the whole quota, now or projected. */
  over100: boolean;
  /** Day by day up to today; `events` is null on a day that was never measured. */
  daily: { day: Day; events: number | null; cumulative: number }[];
  history: UsageHistoryRow[];
};

/** Under this much measured time the period is too young to extrapolate. */
export const MIN_PROJECTION_DAYS = 3;
/** The last 7 days' rate is used when it is this far (relative) from the period's average. */
const RATE_DIFFERENCE = 0.2;

const round1 = (n: number) => Math.round(n * 10) / 10;
const percent = (events: number, quota: number | null) => (quota ? round1((events / quota) * 100) : null);
// Integer comparison so "exactly 80%" is not lost to floating point.
const atLeast80 = (events: number, quota: number) => events * 10 >= quota * 8;

/** How much of the newest measured day the measurement covers (0–1). */
function measuredFraction(day: Day, measuredAt: Date | null, timeZone: string): number {
  if (!measuredAt || localDay(measuredAt, timeZone) !== day) return 1;
  const start = startOfLocalDay(day, timeZone).getTime();
  const end = startOfLocalDay(shiftDay(day, 1), timeZone).getTime();
  return Math.min(1, Math.max(0, (measuredAt.getTime() - start) / (end - start)));
}

type Measured = { byDay: Map<Day, number>; newest: Day | null; newestFraction: number };

function measured(input: UsageInput): Measured {
  const byDay = new Map<Day, number>();
  for (const row of input.daily) byDay.set(row.day, (byDay.get(row.day) ?? 0) + row.events);
  const newest = [...byDay.keys()].sort().at(-1) ?? null;
  return { byDay, newest, newestFraction: newest ? measuredFraction(newest, input.measuredAt, input.timeZone) : 1 };
}

/** Events and measured time over `from`..`to` (inclusive), measured days only. */
function span(m: Measured, from: Day, to: Day) {
  let events = 0;
  let days = 0;
  let count = 0;
  for (let day = from; day <= to; day = shiftDay(day, 1)) {
    const value = m.byDay.get(day);
    if (value === undefined) continue;
    events += value;
    count += 1;
    days += day === m.newest ? m.newestFraction : 1;
  }
  return { events, days, count };
}

type PeriodUsage = Pick<UsageVsPlan, "eventsThisPeriod" | "dataDays" | "projected" | "projection" | "flagged80" | "over100">;

/** Known events of `period` and the projection to its end from the measured time. */
function periodUsage(m: Measured, period: Period, until: Day, quota: number | null): PeriodUsage {
  const known = span(m, period.start, until);
  const dataDays = round1(known.days);
  let projection: PeriodUsage["projection"] = {
    basis: known.count === 0 ? "no-data" : "too-early",
    perDay: null,
    periodAverage: null,
    last7Days: null,
  };
  let projected: number | null = null;
  if (known.days >= MIN_PROJECTION_DAYS && m.newest) {
    const periodAverage = known.events / known.days;
    const recent = span(m, shiftDay(m.newest, -6), m.newest);
    const last7Days = recent.days > 0 ? recent.events / recent.days : null;
    const differs = last7Days !== null && Math.abs(last7Days - periodAverage) > RATE_DIFFERENCE * Math.max(periodAverage, 1);
    const perDay = differs && last7Days !== null ? last7Days : periodAverage;
    // What is known, plus the rate over the time not measured: the rest of the period and any gap.
    projected = Math.round(known.events + perDay * Math.max(0, period.days - known.days));
    projection = {
      basis: differs ? "last-7-days" : "period-average",
      perDay: Math.round(perDay),
      periodAverage: Math.round(periodAverage),
      last7Days: last7Days === null ? null : Math.round(last7Days),
    };
  }
  const over = (n: number | null, test: (e: number, q: number) => boolean) => quota !== null && n !== null && test(n, quota);
  return {
    eventsThisPeriod: known.events,
    dataDays,
    projected,
    projection,
    // With too little data to project, the flag rests on the current percentage alone.
    flagged80: known.count > 0 && (over(known.events, atLeast80) || over(projected, atLeast80)),
    over100: known.count > 0 && (over(known.events, (e, q) => e >= q) || over(projected, (e, q) => e >= q)),
  };
}

/**
 * Usage against the plan for the current billing period, from measured days only, plus the last
 * complete periods. When nothing was measured this period yet (refreshes failing across a period
 * change), the ≥ 80 % and 100 % flags are those of the newest period that has data.
 */
export function usageVsPlan(input: UsageInput): UsageVsPlan {
  const { anchorDay, timeZone, now } = input;
  const quota = input.monthlyEvents && input.monthlyEvents > 0 ? input.monthlyEvents : null;
  const today = localDay(now, timeZone);
  const period = billingPeriodOfDay(today, anchorDay);
  const m = measured(input);
  const current = periodUsage(m, period, today, quota);

  const daily: UsageVsPlan["daily"] = [];
  let cumulative = 0;
  let missingDays = 0;
  for (let day = period.start; day <= today; day = shiftDay(day, 1)) {
    const events = m.byDay.get(day) ?? null;
    if (events === null) missingDays += 1;
    cumulative += events ?? 0;
    daily.push({ day, events, cumulative });
  }

  let flags = { flagged80: current.flagged80, over100: current.over100 };
  if (current.projection.basis === "no-data" && m.newest && m.newest < period.start) {
    const last = periodUsage(m, billingPeriodOfDay(m.newest, anchorDay), m.newest, quota);
    flags = { flagged80: last.flagged80, over100: last.over100 };
  }

  const dataFrom = [...m.byDay.keys()].sort()[0] ?? null;
  const history = previousPeriods(now, anchorDay, timeZone, input.periods ?? 6).flatMap((p) => {
    if (dataFrom === null || dataFrom > p.end) return [];
    const covered = span(m, p.start, p.end);
    return [
      {
        ...p,
        events: covered.events,
        percentOfQuota: percent(covered.events, quota),
        coveredDays: covered.count,
        partial: covered.count < p.days,
      },
    ];
  });

  const hasData = current.projection.basis !== "no-data";
  return {
    period: { ...period, daysElapsed: daily.length, partial: missingDays > 0 },
    eventsThisPeriod: current.eventsThisPeriod,
    dataDays: current.dataDays,
    missingDays,
    dataThrough: m.newest,
    percentOfQuota: hasData ? percent(current.eventsThisPeriod, quota) : null,
    projected: current.projected,
    projectedPercent: current.projected === null ? null : percent(current.projected, quota),
    projection: current.projection,
    willExceed: quota && current.projected !== null ? current.projected > quota : null,
    ...flags,
    daily,
    history,
  };
}
