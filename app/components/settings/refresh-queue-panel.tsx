import { useEffect, useState } from "react";
import { RelativeTime, utcLabel } from "~/components/ui/relative-time";
import type { RefreshQueueView } from "~/models/refresh-queue-view.server";

/** How often an open Settings page reads the queue again (GET /api/queue). */
export const QUEUE_POLL_MS = 15_000;

const customersCount = (n: number) => `${n.toLocaleString("en")} ${n === 1 ? "customer" : "customers"}`;

/**
 * Whether background refreshes keep up: what waits, what runs, what waits for PostHog's budgets,
 * and who works it. Read before adding a worker, or when customers' data looks old.
 */
export function RefreshQueuePanel({ queue: loaded }: { queue: RefreshQueueView }) {
  const queue = useLiveQueue(loaded);
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
        <dt>Given up after retries, last 24 hours</dt>
        <dd data-testid="queue-failed">{customersCount(queue.failedLastDay)}</dd>
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
            Every process on this database: the server's own and each <code>delight worker</code>.
          </>
        ) : (
          "The embedded database refreshes in the server's own process."
        )}{" "}
        Read again every {QUEUE_POLL_MS / 1000} seconds while this page is open: last at{" "}
        <time dateTime={queue.now} className="nowrap" data-testid="queue-read-at">
          {utcLabel(queue.now)}
        </time>
        .
      </p>
    </section>
  );
}

/**
 * The figures the page loaded with, then each answer of GET /api/queue while the tab is shown:
 * someone watching a backlog drain, or a worker they just started appear, sees it without
 * reloading (and without losing what they typed in the page's forms, which a reload would).
 * A hidden tab asks nothing, and asks at once when shown again. A signed-out session stops it.
 */
function useLiveQueue(loaded: RefreshQueueView): RefreshQueueView {
  const [polled, setPolled] = useState<RefreshQueueView | null>(null);
  useEffect(() => {
    let stopped = false;
    let asking = false;
    const read = async () => {
      if (stopped || asking || document.visibilityState !== "visible") return;
      asking = true;
      try {
        const response = await fetch("/api/queue", { headers: { Accept: "application/json" } });
        if (response.status === 401) stopped = true;
        else if (response.ok) {
          const next = (await response.json()) as RefreshQueueView;
          // Only a whole reading counts (a proxy's error page is not one).
          if (!stopped && typeof next?.waiting === "number" && typeof next.now === "string") setPolled(next);
        }
      } catch {
        // Offline for a moment: the next turn asks again.
      } finally {
        asking = false;
      }
    };
    const timer = setInterval(read, QUEUE_POLL_MS);
    const onShown = () => void read();
    document.addEventListener("visibilitychange", onShown);
    return () => {
      stopped = true;
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onShown);
    };
  }, []);
  // The newer of the two: a form on the page revalidates its loader, and a reading asked for
  // before that may arrive after it.
  return polled && Date.parse(polled.now) > Date.parse(loaded.now) ? polled : loaded;
}
