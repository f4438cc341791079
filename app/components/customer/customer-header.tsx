import { Link, useFetcher } from "@remix-run/react";
import type { ReactNode } from "react";
import type { CustomerPageData } from "~/models/customer-page.server";
import { CommercialFacts } from "./commercial-facts";
import type { ActionReply } from "./types";

/** Name, owner, plan, the masked key, and the editor's actions (edit, refresh now, catch-up pack). */
export function CustomerHeader({
  data,
  canEdit,
  children,
}: {
  data: Pick<CustomerPageData, "customer" | "maskedKey" | "today">;
  canEdit: boolean;
  /** What must be read first, right under the name (the last refresh's problem). */
  children?: ReactNode;
}) {
  const { customer, maskedKey } = data;
  const refresh = useFetcher<ActionReply>();
  const busy = refresh.state !== "idle";
  const reply = refresh.data;
  return (
    <>
      <div className="page-head">
        <h1>
          {customer.name} {customer.archivedAt ? <span className="badge band-none">Archived</span> : null}
        </h1>
        <div className="row no-print">
          <Link className="button secondary" to="catchup">
            Catch-up pack
          </Link>
          {canEdit ? (
            <>
              <Link className="button secondary" to="edit">
                Edit
              </Link>
              <refresh.Form method="post">
                <input type="hidden" name="intent" value="refresh" />
                <button type="submit" disabled={busy}>
                  {busy ? "Refreshing…" : "Refresh now"}
                </button>
              </refresh.Form>
            </>
          ) : null}
        </div>
      </div>
      {children}
      {reply?.ok && reply.intent === "refresh" ? (
        <p className={`notice refresh-${reply.status}`} role="status" data-testid="refresh-message">
          Refresh {reply.status}: {reply.message}
        </p>
      ) : null}
      <dl className="kv header-facts">
        <dt>Owner</dt>
        <dd>{customer.ownerName ?? "Nobody"}</dd>
        <dt>Plan</dt>
        <dd>{customer.planName ? `${customer.planName} · billing day ${customer.billingDay}` : "No plan set"}</dd>
        <dt>PostHog</dt>
        <dd>
          {customer.posthogHost} · project {customer.projectId}
        </dd>
        <dt>API key</dt>
        <dd className="mono" data-testid="masked-key">
          {maskedKey}
        </dd>
        <CommercialFacts customer={customer} today={data.today} />
      </dl>
    </>
  );
}
