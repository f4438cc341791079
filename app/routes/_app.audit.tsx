import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { TableScroll } from "~/components/ui/table-scroll";
import { auditActions, listAudit } from "~/models/audit.server";
import { getCustomer, listCustomers } from "~/models/customers.server";
import { listUsers } from "~/models/users.server";
import { requireAdmin } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";

export const meta: MetaFunction = () => [{ title: "Audit log · delight" }];

const id = z.coerce.number().int().positive().max(2_147_483_647).optional().catch(undefined);
// A filter that does not parse is ignored rather than refused: it came from a URL, not a form.
const FiltersSchema = z.object({
  user: id,
  customer: z.string().max(60).optional().catch(undefined),
  action: z
    .string()
    .regex(/^[a-z_]+\.[a-z_]+$/)
    .optional()
    .catch(undefined),
  before: id,
});

/** Admins only: who did what, to which customer or account, newest first. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request, { mutating: false });
  const db = await getDb();
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const filters = FiltersSchema.parse(params);
  const customer = filters.customer ? await getCustomer(db, filters.customer) : null;
  const unknownCustomer = Boolean(filters.customer && !customer);
  const [page, actions, users, customers] = await Promise.all([
    unknownCustomer
      ? { entries: [], more: false }
      : listAudit(db, { userId: filters.user, customerId: customer?.id, action: filters.action, before: filters.before }),
    auditActions(db),
    listUsers(db),
    listCustomers(db, { includeArchived: true }),
  ]);
  const customerNames = new Map(customers.map((c) => [String(c.id), c.name]));
  return {
    filters: { user: filters.user ? String(filters.user) : "", customer: filters.customer ?? "", action: filters.action ?? "" },
    actions,
    users: users.map((u) => ({ id: u.id, email: u.email })),
    customers: customers.map((c) => ({ slug: c.slug, name: c.name })),
    entries: page.entries.map((e) => ({
      id: e.id,
      at: e.at.toISOString(),
      actor: e.actor,
      action: e.action,
      subject:
        e.entity === "customer" && e.entityId
          ? `customer ${customerNames.get(e.entityId) ?? e.entityId}`
          : `${e.entity.replace("_", " ")}${e.entityId ? ` ${e.entityId}` : ""}`,
      details: JSON.stringify(e.details),
    })),
    older: page.more ? page.entries[page.entries.length - 1]!.id : null,
  };
}

export default function Audit() {
  const { filters, actions, users, customers, entries, older } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const olderLink = () => {
    const next = new URLSearchParams(params);
    next.set("before", String(older));
    return `?${next}`;
  };
  return (
    <>
      <div className="page-head">
        <h1>Audit log</h1>
      </div>
      <p className="muted">Every change to customers, answers, catch-ups, plans, settings, users and API tokens, newest first.</p>
      <Form method="get" className="row filters panel" aria-label="Filter the audit log">
        <div className="field">
          <label htmlFor="f-user">User</label>
          <select id="f-user" name="user" defaultValue={filters.user}>
            <option value="">Anyone</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.email}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-customer">Customer</label>
          <select id="f-customer" name="customer" defaultValue={filters.customer}>
            <option value="">Any</option>
            {customers.map((c) => (
              <option key={c.slug} value={c.slug}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-action">Action</label>
          <select id="f-action" name="action" defaultValue={filters.action}>
            <option value="">Any</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
        <Link to="/audit">Clear</Link>
      </Form>
      <TableScroll label="Audit log entries">
        <table data-testid="audit-table" className="stack-on-phone">
          <thead>
            <tr>
              <th>When (UTC)</th>
              <th>Who</th>
              <th>Action</th>
              <th>On</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  Nothing matches.
                </td>
              </tr>
            ) : null}
            {entries.map((e) => (
              <tr key={e.id}>
                <td data-label="When">{e.at.slice(0, 19).replace("T", " ")}</td>
                <td data-label="Who">{e.actor}</td>
                <td data-label="Action" className="mono">
                  {e.action}
                </td>
                <td data-label="On">{e.subject}</td>
                <td data-label="Details" className="mono audit-details">
                  {e.details}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {older ? (
        <p>
          <Link to={olderLink()}>Older entries</Link>
        </p>
      ) : null}
    </>
  );
}
