import type { CustomerPageData } from "~/models/customer-page.server";

/**
 * A failed or partial last refresh, at the top of the customer page: one sentence with what to
 * do. A failed refresh is an alert (nothing was measured); a partial one a status.
 */
export function RefreshProblemNotice({ problem }: { problem: CustomerPageData["health"]["problem"] }) {
  if (!problem) return null;
  const failed = problem.status === "failed";
  return (
    <p
      className={`refresh-problem refresh-problem-${problem.status}`}
      role={failed ? "alert" : "status"}
      data-testid="refresh-problem"
      data-kind={problem.kind}
    >
      {failed ? <strong>Last refresh failed: </strong> : null}
      {problem.sentence}
    </p>
  );
}
