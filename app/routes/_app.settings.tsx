import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { CustomChecksPanel } from "~/components/settings/custom-checks-panel";
import { ExtrasPanel } from "~/components/settings/extras-panel";
import { ScoringPanel, VersionsList } from "~/components/settings/scoring-panel";
import { checklistSettings, runSettingsIntent, SETTINGS_INTENTS, type SettingsIntent } from "~/models/settings.server";
import { actorOf, requireAdmin, requireUser } from "~/utils/auth.server";
import { getContext } from "~/utils/db.server";
import { handleForm } from "~/utils/forms.server";
import { invariantResponse } from "~/utils/http.server";
import { reassessSoon } from "~/utils/scheduler.server";

export const meta: MetaFunction = () => [{ title: "Settings · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { config, dbHandle, db } = await getContext();
  return {
    database: dbHandle.kind === "pglite" ? `Embedded (PGlite) in ${config.dataDir}` : "PostgreSQL server (DATABASE_URL)",
    refreshEvery: config.DELIGHT_REFRESH_INTERVAL === 0 ? "off" : `${Math.round(config.DELIGHT_REFRESH_INTERVAL / 60_000)} minutes`,
    posthogExport: config.DELIGHT_POSTHOG_API_KEY ? `on (${config.DELIGHT_POSTHOG_HOST})` : "off",
    checklist: await checklistSettings(db),
    canEdit: user.role === "admin",
  };
}

/** Admin-only: the rules change every customer's score. csm and viewer get 403 whatever the form says. */
export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, { mutating: true });
  const { db } = await getContext();
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  invariantResponse((SETTINGS_INTENTS as readonly string[]).includes(intent), "Unknown action");
  const outcome = await handleForm(form, () => runSettingsIntent(db, actorOf(admin), intent as SettingsIntent, form));
  if (!outcome.ok) return outcome.response;
  // The change expired every assessment it touches; re-assess them outside this request.
  void reassessSoon();
  return { ok: true as const, intent, message: outcome.result };
}

export default function Settings() {
  const s = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  return (
    <>
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      {reply?.ok ? (
        <div className="notice" role="status" data-testid="settings-message">
          {reply.message}
        </div>
      ) : null}
      {!s.canEdit ? <p className="muted">Only admins can change the checklist and the scoring; you can read them here.</p> : null}
      <CustomChecksPanel settings={s.checklist} canEdit={s.canEdit} reply={reply} />
      <ScoringPanel settings={s.checklist} canEdit={s.canEdit} reply={reply} />
      <ExtrasPanel settings={s.checklist} canEdit={s.canEdit} reply={reply} />
      <VersionsList settings={s.checklist} />
      <div className="panel">
        <h2>Server</h2>
        <dl className="kv">
          <dt>Database</dt>
          <dd>{s.database}</dd>
          <dt>Automatic refresh</dt>
          <dd>{s.refreshEvery}</dd>
          <dt>Send health to your PostHog</dt>
          <dd>{s.posthogExport}</dd>
        </dl>
        <p className="muted">These come from environment variables; see the README.</p>
      </div>
    </>
  );
}
