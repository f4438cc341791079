import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { listCustomers, maskApiKey } from "~/models/customers.server";
import { listPlans } from "~/models/plans.server";
import { requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";

export const meta: MetaFunction = () => [{ title: "Customers · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = await getDb();
  const [customers, plans] = await Promise.all([listCustomers(db), listPlans(db)]);
  return {
    canEdit: user.role !== "viewer",
    hasPlans: plans.length > 0,
    customers: customers.map(({ apiKeyLast4, ...c }) => ({ ...c, maskedKey: maskApiKey(apiKeyLast4) })),
  };
}

export default function Portfolio() {
  const { customers, canEdit, hasPlans } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-head">
        <h1>Customers</h1>
        {canEdit ? (
          <Link className="button" to="/customers/new">
            Add customer
          </Link>
        ) : null}
      </div>
      {customers.length === 0 ? (
        <div className="panel empty">
          <h2>No customers yet</h2>
          <p>delight checks each customer&apos;s PostHog project against the customer-success checklist and scores their health.</p>
          <ol style={{ textAlign: "left", display: "inline-block" }}>
            <li>{hasPlans ? "Plans are set up." : <><Link to="/plans">Add a plan</Link> with its monthly event quota.</>}</li>
            <li>{canEdit ? <Link to="/customers/new">Add a customer</Link> : "Add a customer"} with their PostHog project id and a personal API key (read scopes).</li>
            <li>Refresh it to run the checks.</li>
          </ol>
        </div>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Customer</th>
              <th>Owner</th>
              <th>Plan</th>
              <th>PostHog</th>
            </tr>
          </thead>
          <tbody>
            {customers.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/customers/${c.slug}`}>{c.name}</Link>
                </td>
                <td>{c.ownerName ?? <span className="muted">—</span>}</td>
                <td>{c.planName ?? <span className="muted">No plan</span>}</td>
                <td className="muted">
                  {c.posthogHost.replace(/^https?:\/\//, "")} · project {c.projectId}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
