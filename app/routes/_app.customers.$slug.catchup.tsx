import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { CatchupForm, CatchupList } from "~/components/customer/catchup-form";
import { ChangesAndProgress, HealthComparison, LastNotes, TalkingPoints } from "~/components/customer/catchup-pack";
import { OverdueCatchups } from "~/components/customer/overdue-catchups";
import { UsagePanel } from "~/components/customer/usage-panel";
import { catchupPackData } from "~/models/catchup-pack.server";
import { cancelCatchup, catchupHistory, recordCatchup, scheduleCatchup } from "~/models/catchups.server";
import { ARCHIVED_READ_ONLY, getCustomer } from "~/models/customers.server";
import customerStyles from "~/styles/customer.css";
import { actorOf, requireEditor, requireUser } from "~/utils/auth.server";
import { getContext } from "~/utils/db.server";
import { formValues, handleForm } from "~/utils/forms.server";
import { invariantResponse, notFound } from "~/utils/http.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: customerStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Catch-up pack · ${data?.customer.name ?? "Customer"} · delight` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { db } = await getContext();
  const pack = await catchupPackData(db, params.slug ?? "");
  if (!pack) notFound("No customer with this address");
  const history = Object.fromEntries(
    Object.entries(await catchupHistory(db, pack.customer.id)).map(([id, versions]) => [
      id,
      versions.map((v) => ({ ...v, recordedAt: v.recordedAt.toISOString() })),
    ]),
  );
  // Archived customers are read-only until unarchived.
  return { ...pack, history, canEdit: user.role !== "viewer" && !pack.customer.archivedAt };
}

const MESSAGES = { schedule: "Catch-up scheduled", record: "Catch-up recorded", cancel: "Catch-up cancelled" } as const;

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireEditor(request);
  const { db } = await getContext();
  const customer = await getCustomer(db, params.slug ?? "");
  if (!customer) notFound("No customer with this address");
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  invariantResponse(intent in MESSAGES, "Unknown action");
  if (customer.archivedAt)
    return data({ ok: false as const, errors: { form: ARCHIVED_READ_ONLY }, values: formValues(form) }, { status: 409 });
  const actor = actorOf(user);
  const fields = formValues(form);
  const outcome = await handleForm(form, () => {
    if (intent === "schedule") return scheduleCatchup(db, actor, customer.id, fields);
    if (intent === "record") return recordCatchup(db, actor, customer.id, { ...fields, status: "held" });
    return cancelCatchup(db, actor, customer.id, fields.id);
  });
  if (!outcome.ok) return outcome.response;
  const row = outcome.result;
  return { ok: true as const, intent, message: `${MESSAGES[intent as keyof typeof MESSAGES]} for ${row.date}` };
}

export default function CatchupPack() {
  const data = useLoaderData<typeof loader>();
  const { customer } = data;
  return (
    <div className="pack">
      <div className="page-head">
        <div>
          <h1>Catch-up pack: {customer.name}</h1>
          <p className="muted">
            Prepared {data.today} · owner {customer.ownerName ?? "nobody"} · plan {customer.planName ?? "none set"}
          </p>
        </div>
        <div className="row no-print">
          <Link className="button secondary" to={`/customers/${customer.slug}`}>
            Back to customer
          </Link>
          <button type="button" onClick={() => window.print()}>
            Print
          </button>
        </div>
      </div>
      <OverdueCatchups overdue={data.overdue} packPath="" canEdit={data.canEdit} />
      <HealthComparison now={data.now} atLastCatchup={data.atLastCatchup} />
      <ChangesAndProgress
        changes={data.changes}
        changesBasis={data.changesBasis}
        changesScoring={data.changesScoring}
        progress={data.progress}
      />
      <TalkingPoints items={data.openItems} />
      <UsagePanel usage={data.usage} compact />
      <LastNotes notes={data.lastNotes} />
      {data.canEdit ? (
        <CatchupForm
          upcoming={data.upcoming}
          overdue={data.overdue}
          today={data.today}
          count={data.upcoming.length + data.overdue.length + data.past.length}
        />
      ) : null}
      <CatchupList upcoming={data.upcoming} overdue={data.overdue} past={data.past} history={data.history} canEdit={data.canEdit} />
    </div>
  );
}
