import { flag80Reason } from "../../checks/assessment/flag80";
import type { HealthSummary } from "../../checks/assessment/summary";
import { daysBetween, shiftDay } from "../../checks/days";
import type { ProjectionBasis, UsageHistoryRow, UsageVsPlan } from "../../checks/usage";

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
  /** "data through 4 Mar" when days up to today were not measured; null when the data is current. */
  dataThrough: string | null;
  missingDays: number;
  percentOfQuota: number | null;
  projected: number | null;
  projectedPercent: number | null;
  /** How the projection was made (or why there is none), in one sentence. */
  projectionNote: string;
  /** Which rate the projection used: the period's average or, when it differs, the last 7 days'. */
  projectionBasis: ProjectionBasis;
  willExceed: boolean | null;
  /**
   * The stored health's "≥ 80 % of plan" flag, with its day and reason, not this period's figure
   * alone: the flag can rest on the last 30 days while this period shows 7 %, and the panel must
   * read as the header, the portfolio and the CSV do.
   */
  flagged80: boolean;
  flagged80AsOf: string | null;
  flagged80Because: string | null;
  /** The even daily pace that would use exactly the quota over the period. */
  dailyPace: number | null;
  /** `events` is null on a day that was never measured (drawn as a gap, not as zero). */
  daily: { day: string; label: string; events: number | null }[];
  /** Every day of the period: measured cumulative up to the newest data, then the projection to the end. */
  cumulative: { day: string; label: string; actual: number | null; projection: number | null }[];
  history: (UsageHistoryRow & { label: string; days: number })[];
};

const whole = (n: number) => n.toLocaleString("en-US");
const dayCount = (n: number) => `${n} ${n === 1 ? "day" : "days"}`;

function projectionNote(usage: UsageVsPlan): string {
  const p = usage.projection;
  if (p.basis === "no-data") return "No events measured this period yet, so there is no projection.";
  if (p.basis === "too-early") return `Too early to project: ${dayCount(usage.dataDays)} of data this period (at least 3 needed).`;
  if (p.basis === "last-7-days") {
    return `Projected from the last 7 days (${whole(p.perDay ?? 0)} a day), which differ from this period's average (${whole(p.periodAverage ?? 0)} a day).`;
  }
  return `Projected from this period's average (${whole(p.perDay ?? 0)} a day over ${dayCount(usage.dataDays)} of data).`;
}

export function usageView(
  usage: UsageVsPlan,
  plan: { name: string; monthlyEvents: number } | null,
  health: Pick<HealthSummary, "flagged80" | "flagged80AsOf" | "flagged80Why">,
): UsageView {
  const { period } = usage;
  const quota = plan?.monthlyEvents ?? null;
  const hasData = usage.projection.basis !== "no-data";
  const today = usage.daily.at(-1)?.day ?? period.start;
  // The measured line ends on the newest measured day of the period; the projection starts there.
  const lastMeasured = usage.dataThrough && usage.dataThrough >= period.start && usage.dataThrough <= today ? usage.dataThrough : null;
  const actual = new Map(usage.daily.map((d) => [d.day, d.cumulative]));
  const cumulative: UsageView["cumulative"] = [];
  const span = lastMeasured ? daysBetween(lastMeasured, period.end) : 0;
  for (let day = period.start; day <= period.end; day = shiftDay(day, 1)) {
    let projection: number | null = null;
    if (lastMeasured && usage.projected !== null && day >= lastMeasured) {
      const ahead = daysBetween(lastMeasured, day);
      projection =
        span === 0 ? usage.projected : Math.round(usage.eventsThisPeriod + ((usage.projected - usage.eventsThisPeriod) * ahead) / span);
    }
    const measured = lastMeasured !== null && day <= lastMeasured;
    cumulative.push({ day, label: dayLabel(day), actual: measured ? (actual.get(day) ?? null) : null, projection });
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
    dataThrough: usage.dataThrough && usage.dataThrough < today ? dayLabel(usage.dataThrough) : null,
    missingDays: usage.missingDays,
    percentOfQuota: usage.percentOfQuota,
    projected: usage.projected,
    projectedPercent: usage.projectedPercent,
    projectionNote: projectionNote(usage),
    projectionBasis: usage.projection.basis,
    willExceed: usage.willExceed,
    flagged80: health.flagged80,
    flagged80AsOf: health.flagged80AsOf,
    flagged80Because: flag80Reason(health.flagged80Why),
    dailyPace: quota ? Math.round(quota / period.days) : null,
    daily: usage.daily.map((d) => ({ day: d.day, label: dayLabel(d.day), events: d.events })),
    cumulative,
    // Newest first, as a table of past periods reads.
    history: [...usage.history]
      .reverse()
      .map((h) => ({ ...h, days: daysBetween(h.start, h.end) + 1, label: `${dayLabel(h.start)} – ${dayLabel(h.end)}` })),
  };
}
