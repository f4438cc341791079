import { formatFull } from "~/components/charts/chart-frame";
import { UsageCumulativeChart } from "~/components/charts/usage-cumulative-chart";
import { UsageDailyChart } from "~/components/charts/usage-daily-chart";
import type { UsageView } from "~/models/usage-view";

const pct = (n: number | null) => (n === null ? "–" : `${n}%`);

function Projection({ usage }: { usage: UsageView }) {
  if (usage.projected === null)
    return (
      <p className="muted" data-testid="projection">
        {usage.projectionNote}
      </p>
    );
  const verdict =
    usage.willExceed === null ? null : usage.willExceed ? (
      <strong className="will-exceed">On this pace they will go over their quota before {usage.period.end}.</strong>
    ) : (
      <span>On this pace they stay within their quota this period.</span>
    );
  return (
    <p data-testid="projection">
      Projected {formatFull(usage.projected)} events by {usage.period.end}
      {usage.projectedPercent !== null ? ` (${pct(usage.projectedPercent)} of quota)` : ""}. {verdict}{" "}
      <span className="muted">{usage.projectionNote}</span>
    </p>
  );
}

/** Usage versus plan: this period in numbers and charts, and the periods before it. */
export function UsagePanel({
  usage,
  compact = false,
  forCustomer = false,
}: {
  usage: UsageView;
  compact?: boolean;
  /** The customer's pack: no instructions meant for the team. */
  forCustomer?: boolean;
}) {
  return (
    <section className="panel usage-panel" aria-labelledby="usage-heading" data-testid="usage">
      <h2 id="usage-heading">Usage versus plan</h2>
      {usage.plan ? null : (
        <p className="notice" data-testid="no-plan">
          No plan set: events are counted, but there is no quota to compare them with.
          {forCustomer ? null : " Set a plan on the Edit page."}
        </p>
      )}
      {usage.dataThrough ? (
        <p className="notice" data-testid="data-through">
          Data through {usage.dataThrough}: {usage.missingDays} {usage.missingDays === 1 ? "day" : "days"} of this period were not measured
          (the refreshes since failed). Percentages and the projection use the days that were.
        </p>
      ) : null}
      <dl className="stats">
        <div>
          <dt>Events this period</dt>
          <dd data-testid="period-events">{formatFull(usage.eventsThisPeriod)}</dd>
          <dd className="muted small">
            {usage.period.label} · day {usage.period.daysElapsed} of {usage.period.days}
          </dd>
        </div>
        <div>
          <dt>Quota</dt>
          <dd>{usage.plan ? formatFull(usage.plan.monthlyEvents) : "–"}</dd>
          <dd className="muted small">{usage.plan?.name ?? "no plan"}</dd>
        </div>
        <div>
          <dt>Of quota</dt>
          <dd data-testid="percent-of-quota">{pct(usage.percentOfQuota)}</dd>
          {usage.flagged80 ? (
            <>
              <dd>
                <span className="badge flag80" data-testid="usage-flag80">
                  ≥ 80%{usage.flagged80AsOf ? ` as of ${usage.flagged80AsOf}` : ""}
                </span>
              </dd>
              {/* The flag can rest on other figures than this period's percentage beside it. */}
              {usage.flagged80Because ? (
                <dd className="muted small" data-testid="usage-flag80-because">
                  Why: {usage.flagged80Because}
                </dd>
              ) : null}
            </>
          ) : null}
        </div>
        <div>
          <dt>Projected</dt>
          <dd>{usage.projected === null ? "–" : formatFull(usage.projected)}</dd>
          <dd className="muted small">{pct(usage.projectedPercent)} of quota</dd>
        </div>
      </dl>
      <Projection usage={usage} />
      {usage.hasData ? (
        <div className={compact ? "charts one" : "charts"}>
          {compact ? null : (
            <div>
              <h3>Events per day</h3>
              <UsageDailyChart daily={usage.daily} dailyPace={usage.dailyPace} />
            </div>
          )}
          <div>
            <h3>Cumulative against the quota</h3>
            <UsageCumulativeChart points={usage.cumulative} quota={usage.plan?.monthlyEvents ?? null} />
          </div>
        </div>
      ) : null}
      {usage.history.length > 0 ? (
        <>
          <h3>Last periods</h3>
          <table className="periods">
            <thead>
              <tr>
                <th>Period</th>
                <th className="num">Events</th>
                <th className="num">Of quota</th>
              </tr>
            </thead>
            <tbody>
              {usage.history.map((h) => (
                <tr key={h.start}>
                  <td>
                    {h.label}
                    {h.partial ? (
                      <span className="muted small">
                        {" "}
                        (data for {h.coveredDays} of {h.days} days)
                      </span>
                    ) : null}
                  </td>
                  <td className="num">{formatFull(h.events)}</td>
                  <td className="num">{pct(h.percentOfQuota)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
