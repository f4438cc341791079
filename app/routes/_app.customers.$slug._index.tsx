import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getCustomer, maskApiKey } from "~/models/customers.server";
import { requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";
import { notFound } from "~/utils/http.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.customer.name ?? "Customer"} · delight` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const customer = await getCustomer(await getDb(), params.slug ?? "");
  if (!customer) notFound("No customer with this address");
  const { apiKeyLast4, ...safe } = customer;
  return { customer: safe, maskedKey: maskApiKey(apiKeyLast4), canEdit: user.role !== "viewer" };
}

export default function CustomerPage() {
  const { customer, maskedKey, canEdit } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-head">
        <h1>
          {customer.name} {customer.archivedAt ? <span className="badge band-none">Archived</span> : null}
        </h1>
        {canEdit ? (
          <Link className="button secondary" to="edit">
            Edit
          </Link>
        ) : null}
      </div>
      <div className="panel">
        <dl className="kv">
          <dt>PostHog</dt>
          <dd>
            {customer.posthogHost} · project {customer.projectId}
          </dd>
          <dt>API key</dt>
          <dd className="mono" data-testid="masked-key">
            {maskedKey}
          </dd>
          <dt>Plan</dt>
          <dd>{customer.planName ?? "No plan"}</dd>
          <dt>Billing day</dt>
          <dd>{customer.billingDay}</dd>
          <dt>Owner</dt>
          <dd>{customer.ownerName ?? "Nobody"}</dd>
        </dl>
      </div>
    </>
  );
}
