import type { CustomerPageData } from "~/models/customer-page.server";

const STATUS_TEXT: Record<string, string> = { ok: "succeeded", partial: "partly failed", failed: "failed" };

/** The latest refresh and, when PostHog calls failed, which and why. */
export function LastRefresh({ run }: { run: CustomerPageData["lastRun"] }) {
  return (
    <section className="panel" aria-labelledby="refresh-heading" data-testid="last-refresh">
      <h2 id="refresh-heading">Last refresh</h2>
      {run ? (
        <>
          <p>
            <span className={`badge run-${run.status}`}>{run.status}</span> The refresh at {run.when}{" "}
            {STATUS_TEXT[run.status] ?? run.status} ({run.apiCalls} PostHog calls).
          </p>
          {run.errors.length > 0 ? (
            <ul className="run-errors">
              {run.errors.map((e) => (
                <li key={e.call}>
                  Could not read {e.call}: {e.message}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : (
        <p className="muted">Never refreshed: the automated checks are unknown until the first refresh.</p>
      )}
    </section>
  );
}
