import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { TableScroll } from "~/components/ui/table-scroll";
import { useFollowed } from "~/components/ui/use-followed";
import { auditActions, listAudit } from "~/models/audit.server";
import { customerNamesOf, findFilterCustomer } from "~/models/audit-customers.server";
import { listUsers } from "~/models/users.server";
import { requireAdmin } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";

export const meta: MetaFunction = () => [{ title: "Audit log · delight" }];

const id = z.coerce.number().int().positive().max(2_147_483_647).optional().catch(undefined);
/** A slug is 60 characters at most and a name 100: a name typed in full must not be ignored. */
const CUSTOMER_MAX = 100;
// A filter that does not parse is ignored rather than refused: it came from a URL, not a form.
const FiltersSchema = z.object({
  user: id,
  customer: z.string().max(CUSTOMER_MAX).optional().catch(undefined),
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
  const customer = filters.customer?.trim() ? await findFilterCustomer(db, filters.customer) : null;
  const [page, actions, users] = await Promise.all([
    customer?.message
      ? { entries: [], more: false }
      : listAudit(db, { userId: filters.user, customerId: customer?.id ?? undefined, action: filters.action, before: filters.before }),
    auditActions(db),
    listUsers(db),
  ]);
  // Only the customers this page of entries is about: one lookup of at most a page of ids.
  const customerNames = await customerNamesOf(
    db,
    page.entries.flatMap((e) => (e.entity === "customer" && e.entityId ? [e.entityId] : [])),
  );
  return {
    filters: { user: filters.user ? String(filters.user) : "", customer: filters.customer ?? "", action: filters.action ?? "" },
    customerMessage: customer?.message ?? null,
    actions,
    users: users.map((u) => ({ id: u.id, email: u.email })),
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
  const { filters, customerMessage, actions, users, entries, older } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  // The filters follow the URL ("Clear", back) without remounting, so focus stays where it was.
  const [user, setUser] = useFollowed(filters.user);
  const [customer, setCustomer] = useFollowed(filters.customer);
  const [action, setAction] = useFollowed(filters.action);
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
          <select id="f-user" name="user" value={user} onChange={(e) => setUser(e.currentTarget.value)}>
            <option value="">Anyone</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.email}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          {/* The hint beside the label, not under the field, so the three fields stay in line. */}
          <span className="field-head">
            <label htmlFor="f-customer">Customer</label>
            <span className="hint" id="f-customer-hint">
              slug or exact name
            </span>
          </span>
          <input
            id="f-customer"
            name="customer"
            value={customer}
            onChange={(e) => setCustomer(e.currentTarget.value)}
            aria-describedby="f-customer-hint"
            maxLength={CUSTOMER_MAX}
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <div className="field">
          <label htmlFor="f-action">Action</label>
          <select id="f-action" name="action" value={action} onChange={(e) => setAction(e.currentTarget.value)}>
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
      {customerMessage ? (
        <p className="notice" role="status" data-testid="audit-customer-message">
          {customerMessage}
        </p>
      ) : null}
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
