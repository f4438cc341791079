import type { UsageHistoryRow, UsageVsPlan } from "../../checks/usage";
import { daysBetween, shiftDay } from "../../checks/usage";

/*
 * Chart-ready usage for the customer page and the catch-up pack. All bucketing happens here, on
 * the server: the chart components only draw the points they are given.
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2025-03-04" → "4 Mar": built from the string so server and browser agree whatever their zone. */
export function dayLabel(day: string): string {
  return `${Number(day.slice(8, 10))} ${MONTHS[Number(day.slice(5, 7)) - 1]}`;
}

export type UsageView = {
  plan: { name: string; monthlyEvents: number } | null;
  period: { start: string; end: string; days: number; daysElapsed: number; label: string };
  hasData: boolean;
  eventsThisPeriod: number;
  percentOfQuota: number | null;
  projected: number | null;
  projectedPercent: number | null;
  willExceed: boolean | null;
  flagged80: boolean;
  /** The even daily pace that would use exactly the quota over the period. */
  dailyPace: number | null;
  daily: { day: string; label: string; events: number }[];
  /** Every day of the period: actual cumulative up to today, the projection from today to the end. */
  cumulative: { day: string; label: string; actual: number | null; projection: number | null }[];
  history: (UsageHistoryRow & { label: string; days: number })[];
};

export function usageView(usage: UsageVsPlan, plan: { name: string; monthlyEvents: number } | null): UsageView {
  const { period } = usage;
  const quota = plan?.monthlyEvents ?? null;
  const hasData = usage.projected !== null;
  const today = usage.daily.at(-1)?.day ?? period.start;
  const actual = new Map(usage.daily.map((d) => [d.day, d.cumulative]));
  const cumulative: UsageView["cumulative"] = [];
  const remaining = period.days - period.daysElapsed;
  for (let day = period.start, i = 0; day <= period.end; day = shiftDay(day, 1), i++) {
    const isPast = day <= today;
    let projection: number | null = null;
    // The projection line starts where the actual line ends, so the two join on today.
    if (hasData && usage.projected !== null && day >= today) {
      const ahead = i - (period.daysElapsed - 1);
      const todayValue = usage.eventsThisPeriod;
      projection = remaining === 0 ? todayValue : Math.round(todayValue + ((usage.projected - todayValue) * ahead) / remaining);
    }
    cumulative.push({ day, label: dayLabel(day), actual: isPast ? (actual.get(day) ?? null) : null, projection });
  }
  return {
    plan,
    period: {
      start: period.start,
      end: period.end,
      days: period.days,
      daysElapsed: period.daysElapsed,
      label: `${dayLabel(period.start)} – ${dayLabel(period.end)}`,
    },
    hasData,
    eventsThisPeriod: usage.eventsThisPeriod,
    percentOfQuota: usage.percentOfQuota,
    projected: usage.projected,
    projectedPercent: usage.projectedPercent,
    willExceed: usage.willExceed,
    flagged80: usage.flagged80,
    dailyPace: quota ? Math.round(quota / period.days) : null,
    daily: usage.daily.map((d) => ({ day: d.day, label: dayLabel(d.day), events: d.events })),
    cumulative,
    // Newest first, as a table of past periods reads.
    history: [...usage.history]
      .reverse()
      .map((h) => ({ ...h, days: daysBetween(h.start, h.end) + 1, label: `${dayLabel(h.start)} – ${dayLabel(h.end)}` })),
  };
}
