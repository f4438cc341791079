import { RelativeTime } from "~/components/ui/relative-time";
import type { RefreshQueueView } from "~/models/refresh-queue-view.server";

const customersCount = (n: number) => `${n.toLocaleString("en")} ${n === 1 ? "customer" : "customers"}`;

/**
 * Whether background refreshes keep up: what waits, what runs, what waits for PostHog's budgets,
 * and who works it. Read before adding a worker, or when customers' data looks old.
 */
export function RefreshQueuePanel({ queue }: { queue: RefreshQueueView }) {
  return (
    <section className="panel" aria-labelledby="refresh-queue-heading" data-testid="refresh-queue">
      <h2 id="refresh-queue-heading">Refresh queue</h2>
      {queue.stalled ? (
        <p className="form-error" data-testid="refresh-queue-idle">
          No process is working refresh jobs, so nobody's data is refreshed in the background.{" "}
          {queue.kind === "pg-boss" ? (
            <>
              Start <code>delight worker</code>, or a server whose <code>DELIGHT_SCHEDULER</code> is on.
            </>
          ) : (
            <>
              Start the server with <code>DELIGHT_SCHEDULER</code> on.
            </>
          )}
        </p>
      ) : null}
      <dl className="kv">
        <dt>Waiting for a worker</dt>
        <dd data-testid="queue-waiting">
          {customersCount(queue.waiting)}
          {queue.oldestWaitingSince ? (
            <>
              {" "}
              (the longest asked for <RelativeTime at={queue.oldestWaitingSince} now={queue.now} />)
            </>
          ) : null}
        </dd>
        <dt>Refreshing now</dt>
        <dd data-testid="queue-running">{customersCount(queue.running)}</dd>
        <dt>Held back for later</dt>
        <dd data-testid="queue-deferred">
          {customersCount(queue.deferred)}
          {queue.nextDeferredAt ? (
            <>
              {" "}
              (the next <RelativeTime at={queue.nextDeferredAt} now={queue.now} />)
            </>
          ) : null}
        </dd>
        <dt>To retry after an error</dt>
        <dd data-testid="queue-retrying">{customersCount(queue.retrying)}</dd>
        {queue.kind === "pg-boss" ? (
          <>
            <dt>Given up after retries, last 24 hours</dt>
            <dd data-testid="queue-failed">{customersCount(queue.failedLastDay)}</dd>
          </>
        ) : null}
        {queue.due !== null ? (
          <>
            <dt>Due for a refresh</dt>
            <dd data-testid="queue-due">{customersCount(queue.due)}</dd>
          </>
        ) : null}
        <dt>Processes working jobs</dt>
        <dd data-testid="queue-workers">
          {queue.workerCount}
          {queue.workers && queue.workers.length > 0 ? (
            <ul className="plain small mono">
              {queue.workers.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          ) : null}
        </dd>
      </dl>
      <p className="muted">
        A customer is held back while its PostHog key's budget is spent, or while another refresh of it runs.{" "}
        {queue.kind === "pg-boss" ? (
          <>
            Every process on this database: the server's own and each <code>delight worker</code>. Read when the page loaded.
          </>
        ) : (
          "The embedded database refreshes in the server's own process. Read when the page loaded."
        )}
      </p>
    </section>
  );
}
