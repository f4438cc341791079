import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { FormError } from "~/components/ui/field";
import { type InboxView, inboxView, runInboxAction } from "~/models/alert-inbox.server";
import { actorOf, requireEditor, requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";
import { formValues, handleForm } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Alerts · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const view = await inboxView(await getDb(), user, new URL(request.url).searchParams);
  return { ...view, canEdit: user.role !== "viewer" };
}

/** Acknowledge, snooze, mute, unmute: csm and admin; viewers read only. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireEditor(request);
  const form = await request.formData();
  const outcome = await handleForm(form, async () => runInboxAction(await getDb(), actorOf(user), formValues(form)));
  if (!outcome.ok) return outcome.response;
  return { ok: true as const, message: outcome.result };
}

/** This page's address with some parameters set and others (null) taken out. */
function withParams(search: URLSearchParams, changes: Record<string, string | null>) {
  const next = new URLSearchParams(search);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) next.delete(name);
    else next.set(name, value);
  }
  return `?${next}`;
}

function FilterLink({ name, value, label, current }: { name: string; value: string; label: string; current: string }) {
  const [search] = useSearchParams();
  // Another list starts at its newest: a cursor belongs to the list it came from.
  return (
    <Link to={withParams(search, { [name]: value, before: null })} aria-current={current === value ? "page" : undefined} preventScrollReset>
      {label}
    </Link>
  );
}

/** The newest page and the next older one, keeping the scope, view and kind. */
function Pages({ paged, older }: { paged: boolean; older: number | null }) {
  const [search] = useSearchParams();
  if (!paged && older === null) return null;
  return (
    <nav className="alert-pages" aria-label="More alerts">
      {paged ? <Link to={withParams(search, { before: null })}>Newest alerts</Link> : null}
      {older !== null ? (
        <Link to={withParams(search, { before: String(older) })} data-testid="alerts-older">
          Older alerts
        </Link>
      ) : null}
    </nav>
  );
}

function AlertItem({ alert, canEdit }: { alert: InboxView["alerts"][number]; canEdit: boolean }) {
  const about = <span className="sr-only">: {alert.message}</span>;
  return (
    <li className={`alert-item${alert.acknowledged || alert.silence ? " done" : ""}`} data-testid="alert" data-kind={alert.kind}>
      <div>
        <span className="badge alert-kind">{alert.label}</span>
      </div>
      <div className="alert-message">{alert.message}</div>
      <div className="alert-meta">
        <span>{alert.raisedAt}</span>
        <Link to={`/customers/${alert.slug}`}>Open {alert.customerName}</Link>
        {alert.clearedAt ? <span>no longer holds since {alert.clearedAt}</span> : null}
        {alert.acknowledged ? (
          <span>
            acknowledged {alert.acknowledged.at} by {alert.acknowledged.by}
          </span>
        ) : null}
        {alert.silence ? <span>{alert.silence.until ? `snoozed until ${alert.silence.until}` : "muted"}</span> : null}
      </div>
      {canEdit && !alert.acknowledged ? (
        <Form method="post" className="alert-actions" preventScrollReset>
          <input type="hidden" name="id" value={alert.id} />
          <button type="submit" name="intent" value="ack">
            Acknowledge{about}
          </button>
          <button type="submit" name="intent" value="snooze-7" className="secondary">
            Snooze 7 days{about}
          </button>
          <button type="submit" name="intent" value="snooze-30" className="secondary">
            Snooze 30 days{about}
          </button>
          <button type="submit" name="intent" value="mute" className="secondary">
            Mute “{alert.label}” for {alert.customerName}
          </button>
        </Form>
      ) : null}
    </li>
  );
}

export default function Alerts() {
  const view = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const reply = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { filters } = view;
  return (
    <>
      <div className="page-head">
        <h1>Alerts</h1>
        <span className="muted" data-testid="alerts-unread">
          {view.unread} open
        </span>
      </div>
      {reply?.ok ? (
        <div className="notice" role="status" data-testid="alerts-message">
          {reply.message}
        </div>
      ) : null}
      {reply && !reply.ok ? <FormError errors={{ form: Object.values(reply.errors)[0] ?? "Something was wrong with that" }} /> : null}
      <div className="alert-filters">
        <nav aria-label="Whose customers">
          <FilterLink name="scope" value="mine" label="My customers" current={filters.scope} />
          <FilterLink name="scope" value="all" label="All customers" current={filters.scope} />
        </nav>
        <nav aria-label="Which alerts">
          <FilterLink name="view" value="open" label="Open" current={filters.view} />
          <FilterLink name="view" value="history" label="History" current={filters.view} />
        </nav>
        <Form method="get">
          <input type="hidden" name="scope" value={filters.scope} />
          <input type="hidden" name="view" value={filters.view} />
          <div className="field">
            <label htmlFor="f-kind">Kind</label>
            <select id="f-kind" name="kind" defaultValue={filters.kind ?? ""}>
              <option value="">Every kind</option>
              {view.kinds.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.label}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="secondary">
            Show
          </button>
        </Form>
      </div>
      {view.alerts.length === 0 && view.paged ? (
        <div className="panel empty" data-testid="alerts-empty">
          <h2>No older alerts</h2>
        </div>
      ) : view.alerts.length === 0 ? (
        <div className="panel empty" data-testid="alerts-empty">
          <h2>{filters.view === "open" ? "Nothing needs you right now" : "No alerts yet"}</h2>
          <p>Alerts appear here when a customer crosses 80 % of plan, slips a band, goes quiet or its data goes stale.</p>
        </div>
      ) : (
        <ul className="alert-list" aria-busy={busy}>
          {view.alerts.map((a) => (
            <AlertItem key={a.id} alert={a} canEdit={view.canEdit} />
          ))}
        </ul>
      )}
      <Pages paged={view.paged} older={view.older} />
      {view.silences.length > 0 ? (
        <section className="panel" aria-labelledby="silences-heading" style={{ marginTop: "1.5rem" }}>
          <h2 id="silences-heading">Snoozed and muted</h2>
          {view.silenceCount > view.silences.length ? (
            <p className="muted" data-testid="silences-more">
              The first {view.silences.length} of {view.silenceCount}, by customer name.{" "}
              <Link to={withParams(search, { silences: "all" })} preventScrollReset>
                Show all {view.silenceCount}
              </Link>
            </p>
          ) : null}
          <ul className="plain">
            {view.silences.map((s) => (
              <li key={`${s.customerId}:${s.kind}`} data-testid="silence">
                <Link to={`/customers/${s.slug}`}>{s.customerName}</Link>: {s.label}, {s.until ? `snoozed until ${s.until}` : "muted"}{" "}
                <span className="muted">by {s.by}</span>{" "}
                {view.canEdit ? (
                  <Form method="post" style={{ display: "inline" }}>
                    <input type="hidden" name="customerId" value={s.customerId} />
                    <input type="hidden" name="kind" value={s.kind} />
                    <button type="submit" name="intent" value="unmute" className="secondary">
                      Turn back on
                      <span className="sr-only">
                        : {s.label} for {s.customerName}
                      </span>
                    </button>
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
