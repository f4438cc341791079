import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Checklist } from "~/components/customer/checklist";
import { CustomerHeader } from "~/components/customer/customer-header";
import { LastRefresh } from "~/components/customer/last-refresh";
import { OverdueCatchups } from "~/components/customer/overdue-catchups";
import { RefreshProblemNotice } from "~/components/customer/refresh-problem-notice";
import { RefreshProgress } from "~/components/customer/refresh-progress";
import { ScoreSummary } from "~/components/customer/score-summary";
import { UsagePanel } from "~/components/customer/usage-panel";
import { clearOverride, recordAnswer, recordOverride, withdrawAnswer } from "~/models/answers.server";
import { customerPageOf } from "~/models/customer-page.server";
import { ARCHIVED_READ_ONLY, getCustomer } from "~/models/customers.server";
import customerStyles from "~/styles/customer.css";
import { actorOf, requireEditor, requireUser } from "~/utils/auth.server";
import { getContext } from "~/utils/db.server";
import { formValues, handleForm } from "~/utils/forms.server";
import { invariantResponse, notFound } from "~/utils/http.server";
import { refreshNow, refreshRunningSince } from "~/utils/refresh.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: customerStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.customer.name ?? "Customer"} · delight` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { db } = await getContext();
  const now = new Date();
  const customer = await getCustomer(db, params.slug ?? "");
  if (!customer) notFound("No customer with this address");
  const [page, since] = await Promise.all([customerPageOf(db, customer, now), refreshRunningSince(db, customer.id, now)]);
  if (!page) notFound("No customer with this address");
  const refreshing = since ? { seconds: Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000)) } : null;
  // Archived customers are read-only until unarchived (the edit page can unarchive).
  return { ...page, refreshing, canEdit: user.role !== "viewer" && !page.customer.archivedAt };
}

const INTENTS = ["answer", "withdraw-answer", "override", "clear-override", "refresh"] as const;

export async function action({ request, params }: ActionFunctionArgs) {
  // Role first: a viewer gets 403 whatever the form says.
  const user = await requireEditor(request);
  const { db } = await getContext();
  const slug = params.slug ?? "";
  const customer = await getCustomer(db, slug);
  if (!customer) notFound("No customer with this address");
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  invariantResponse((INTENTS as readonly string[]).includes(intent), "Unknown action");
  const actor = actorOf(user);
  const fields = formValues(form);
  if (customer.archivedAt) return data({ ok: false as const, errors: { form: ARCHIVED_READ_ONLY }, values: fields }, { status: 409 });
  if (intent === "refresh") {
    const outcome = await refreshNow(slug);
    if (!outcome) notFound("No customer with this address");
    // A failure is said once, by the notice at the top of the page the loader now shows.
    const message =
      outcome.status === "ok" ? outcome.message : outcome.status === "skipped" ? outcome.message : "see the message at the top of the page";
    return { ok: true as const, intent, status: outcome.status, message };
  }
  const outcome = await handleForm(form, () => {
    if (intent === "answer") return recordAnswer(db, actor, customer.id, fields);
    if (intent === "withdraw-answer") return withdrawAnswer(db, actor, customer.id, fields.checkId ?? "");
    if (intent === "override") return recordOverride(db, actor, customer.id, fields);
    return clearOverride(db, actor, customer.id, fields.checkId ?? "");
  });
  if (!outcome.ok) return outcome.response;
  return { ok: true as const, intent, status: "saved", message: `Saved; score now ${outcome.result.score ?? "–"}` };
}

export default function CustomerPage() {
  const data = useLoaderData<typeof loader>();
  return (
    <div className="customer-page">
      <CustomerHeader data={data} canEdit={data.canEdit}>
        <RefreshProgress refreshing={data.refreshing} />
        {/* A failure is said once: the running refresh may replace it. */}
        {data.refreshing ? null : <RefreshProblemNotice problem={data.health.problem} />}
      </CustomerHeader>
      <OverdueCatchups overdue={data.overdueCatchups} packPath="catchup" canEdit={data.canEdit} />
      <ScoreSummary
        score={data.score}
        sinceWeek={data.sinceWeek}
        sinceCatchup={data.sinceCatchup}
        moves={data.moves}
        historyChart={data.historyChart}
        flagged80={data.flagged80}
        flagged80AsOf={data.flagged80AsOf}
        flagged80Because={data.flagged80Because}
      />
      <Checklist sections={data.checklist} canEdit={data.canEdit} />
      <UsagePanel usage={data.usage} />
      <LastRefresh run={data.lastRun} />
    </div>
  );
}
