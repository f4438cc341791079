import { useRevalidator } from "@remix-run/react";
import type { ReactNode } from "react";
import { useEffect, useRef, useState } from "react";

const POLL_MS = 2000;

/**
 * While a refresh of this customer runs (just added, connection changed, or anyone's "Refresh
 * now"), says since when and reloads the page's data every two seconds; when it ends, says so
 * once. The live region is always there, so the change is announced.
 */
export function RefreshProgress({ refreshing }: { refreshing: { seconds: number } | null }): ReactNode {
  const revalidator = useRevalidator();
  const wasRefreshing = useRef(refreshing !== null);
  const [finished, setFinished] = useState(false);

  useEffect(() => {
    if (refreshing) {
      wasRefreshing.current = true;
      setFinished(false);
      const timer = setInterval(() => {
        if (revalidator.state === "idle") revalidator.revalidate();
      }, POLL_MS);
      return () => clearInterval(timer);
    }
    if (wasRefreshing.current) {
      wasRefreshing.current = false;
      setFinished(true);
    }
    return undefined;
  }, [refreshing, revalidator]);

  return (
    <p
      className={refreshing || finished ? "notice refresh-progress" : "refresh-progress-idle"}
      role="status"
      data-testid="refresh-progress"
    >
      {refreshing
        ? `Refreshing from PostHog… started ${refreshing.seconds} s ago`
        : finished
          ? "Refresh finished: the page shows its results."
          : null}
    </p>
  );
}
