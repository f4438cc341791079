import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { CatchupForm, CatchupList } from "~/components/customer/catchup-form";
import { ChangesAndProgress, HealthComparison, LastNotes, TalkingPoints } from "~/components/customer/catchup-pack";
import { OverdueCatchups } from "~/components/customer/overdue-catchups";
import { ActiveOverrides, AudienceToggle, ScoreTrend } from "~/components/customer/pack-parts";
import { UsagePanel } from "~/components/customer/usage-panel";
import { AUDIENCES, type CustomerPackData, catchupPackData, customerCatchupPack } from "~/models/catchup-pack.server";
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

// Only the exact word "customer" selects the customer's version; anything else is the full pack.
const AudienceSchema = z.enum(AUDIENCES).catch("internal");

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { db } = await getContext();
  const audience = AudienceSchema.parse(new URL(request.url).searchParams.get("audience") ?? undefined);
  if (audience === "customer") {
    const pack = await customerCatchupPack(db, params.slug ?? "");
    if (!pack) notFound("No customer with this address");
    return pack;
  }
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

function PackHead({
  data,
}: {
  data: {
    audience: "internal" | "customer";
    today: string;
    customer: { name: string; slug: string; planName: string | null; ownerName?: string | null };
  };
}) {
  const { customer } = data;
  return (
    <div className="page-head pack-head">
      <div>
        <h1>Catch-up pack: {customer.name}</h1>
        <p className="muted">
          {data.audience === "internal" ? <span className="badge pack-audience">Internal prep</span> : null} Prepared {data.today}
          {data.audience === "internal" ? ` · owner ${customer.ownerName ?? "nobody"}` : ""} · plan {customer.planName ?? "none set"}
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
  );
}

/** What the customer may read: no talking points, notes, reasons or connection details. */
function CustomerPack({ data }: { data: CustomerPackData }) {
  return (
    <div className="pack" data-audience="customer">
      <PackHead data={data} />
      <AudienceToggle audience="customer" />
      <HealthComparison now={data.now} atLastCatchup={data.atLastCatchup} />
      <ScoreTrend chart={data.historyChart} />
      <ChangesAndProgress
        changes={data.changes}
        changesBasis={data.changesBasis}
        changesScoring={data.changesScoring}
        progress={data.progress}
      />
      <ActiveOverrides overrides={data.overrides} heading="Checks we agreed to count differently" />
      <UsagePanel usage={data.usage} compact forCustomer />
    </div>
  );
}

export default function CatchupPack() {
  const loaded = useLoaderData<typeof loader>();
  if (loaded.audience === "customer") return <CustomerPack data={loaded} />;
  const data = loaded;
  return (
    <div className="pack" data-audience="internal">
      <PackHead data={data} />
      <AudienceToggle audience="internal" />
      <OverdueCatchups overdue={data.overdue} packPath="" canEdit={data.canEdit} />
      <HealthComparison now={data.now} atLastCatchup={data.atLastCatchup} />
      <ScoreTrend chart={data.historyChart} />
      <ChangesAndProgress
        changes={data.changes}
        changesBasis={data.changesBasis}
        changesScoring={data.changesScoring}
        progress={data.progress}
      />
      <ActiveOverrides overrides={data.overrides} heading="Overrides in force" />
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
