import type { Day } from "../days";
import type { AlertFacts } from "./transitions";

/*
 * The one line each alert says, naming the customer and why. The same line is the inbox entry,
 * the Slack text, the e-mail subject and the CLI/API `message`.
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2025-11-30" → "30 Nov". */
export const shortDay = (day: Day) => `${Number(day.slice(8, 10))} ${MONTHS[Number(day.slice(5, 7)) - 1]}`;
const pct = (n: number) => `${Math.round(n)} %`;
const count = (n: number) => Math.round(n).toLocaleString("en-US");
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const score = (n: number | null) => (n === null ? "—" : String(Math.round(n)));

function list(items: string[], max = 3): string {
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${rest} more`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}` : (shown[0] ?? "");
}

export function alertMessage(customer: string, f: AlertFacts): string {
  switch (f.kind) {
    case "usage_80":
    case "usage_100": {
      const plan = f.plan ?? "its plan";
      const by = f.periodEnd ? ` by ${shortDay(f.periodEnd)}` : "";
      const line = f.kind === "usage_80" ? 80 : 100;
      // Say what put the customer over the line: this period, the projection, or (80 %) the 30-day check.
      if (f.percent !== null && f.percent >= line) {
        const projected =
          f.projectedPercent !== null && f.projectedPercent > f.percent ? `, projected ${pct(f.projectedPercent)}${by}` : "";
        return `${customer} is at ${pct(f.percent)} of ${plan}${projected}`;
      }
      const soFar = f.percent !== null ? ` (${pct(f.percent)} so far)` : "";
      if (f.projectedPercent !== null && f.projectedPercent >= line) {
        return `${customer} is projected to use ${pct(f.projectedPercent)} of ${plan}${by}${soFar}`;
      }
      if (f.kind === "usage_100") return `${customer} reached the whole of ${plan}${soFar}`;
      return `${customer} used at least 80 % of ${plan} in the last 30 days${soFar.replace("so far", "of this period so far")}`;
    }
    case "band_drop":
      return `${customer} fell from ${f.from} to ${f.to} (score ${score(f.previousScore)} → ${score(f.score)})`;
    case "score_drop": {
      const why = f.newlyFailing.length ? `: ${list(f.newlyFailing)} now failing` : "";
      return `${customer}: score ${score(f.from)} → ${score(f.to)} within 7 days${why}`;
    }
    case "usage_drop": {
      if (f.quietDays !== null && f.quietDays >= 3) {
        const last = f.lastEventDay ? `last event ${shortDay(f.lastEventDay)}` : "none in the last 35 days";
        return `${customer} has sent no events for ${plural(f.quietDays, "day")} (${last})`;
      }
      return `${customer} sent ${count(f.last7Days ?? 0)} events in the last 7 days, under half its weekly average of ${count(f.weeklyAverageBefore ?? 0)}`;
    }
    case "stale": {
      const error = f.lastError ? `: ${f.lastError}` : "";
      if (!f.lastSuccessAt)
        return `${customer} has not been refreshed successfully since it was added ${plural(f.days, "day")} ago${error}`;
      return `${customer} has had no successful refresh for ${plural(f.days, "day")}${error}`;
    }
    case "catchup_overdue":
      return f.lastHeld
        ? `${customer} has had no catch-up for over 100 days (last held ${shortDay(f.lastHeld)}) and none is scheduled`
        : `${customer} has never had a catch-up and none is scheduled`;
    case "answer_no": {
      const by = f.by ? ` by ${f.by}` : "";
      // A note may run over several lines; the alert stays one.
      const note = f.note.replace(/\s+/g, " ").trim();
      const shown = note.length > 120 ? `${note.slice(0, 119)}…` : note;
      return `${customer}: ${f.checkId} answered no (was yes)${by}${shown ? ` — ${shown}` : ""}`;
    }
  }
}
