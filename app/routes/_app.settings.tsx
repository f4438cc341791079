import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { AlertsPanel, MyAlertsPanel } from "~/components/settings/alerts-panel";
import { CustomChecksPanel } from "~/components/settings/custom-checks-panel";
import { ExtrasPanel } from "~/components/settings/extras-panel";
import { RefreshQueuePanel } from "~/components/settings/refresh-queue-panel";
import { ScoringPanel, VersionsList } from "~/components/settings/scoring-panel";
import { alertSettingsView, isAlertSettingsIntent, runAlertSettingsIntent } from "~/models/alert-settings-view.server";
import { readRefreshQueueView } from "~/models/refresh-queue-view.server";
import { checklistSettings, runSettingsIntent, SETTINGS_INTENTS, type SettingsIntent } from "~/models/settings.server";
import { actorOf, requireAdmin, requireUser } from "~/utils/auth.server";
import { getContext } from "~/utils/db.server";
import { durationWords } from "~/utils/duration-words";
import { handleForm } from "~/utils/forms.server";
import { assertSameOrigin, invariantResponse } from "~/utils/http.server";
import { reassessSoon } from "~/utils/scheduler.server";

export const meta: MetaFunction = () => [{ title: "Settings · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ctx = await getContext();
  const { config, dbHandle, db } = ctx;
  // Where the data lives and where health is sent say a lot about the server: admins only.
  const server =
    user.role === "admin"
      ? {
          database: dbHandle.kind === "pglite" ? `Embedded (PGlite) in ${config.dataDir}` : "PostgreSQL server (DATABASE_URL)",
          posthogExport: config.DELIGHT_POSTHOG_API_KEY ? `on (${config.DELIGHT_POSTHOG_HOST})` : "off",
        }
      : null;
  return {
    server,
    queue: await readRefreshQueueView(ctx, user.role),
    refreshEvery: config.DELIGHT_REFRESH_INTERVAL === 0 ? "off" : durationWords(config.DELIGHT_REFRESH_INTERVAL, { every: true }),
    runsKept: config.DELIGHT_RUN_RETENTION === 0 ? "for good" : `for ${durationWords(config.DELIGHT_RUN_RETENTION)}`,
    checklist: await checklistSettings(db),
    alerts: await alertSettingsView(ctx, user),
    canEdit: user.role === "admin",
  };
}

/**
 * The rules change every customer's score: admin only, csm and viewer get 403 whatever the form
 * says. Alert forms check their own: every user may set their own alerts.
 */
export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (isAlertSettingsIntent(intent)) {
    const user = await requireUser(request);
    assertSameOrigin(request);
    const ctx = await getContext();
    // Webhook URLs are secrets (anyone holding one can post): never sent back, even when refused.
    const outcome = await handleForm(form, () => runAlertSettingsIntent(ctx, user, actorOf(user), intent, form), {
      secretFields: ["teamSlack", "slack"],
    });
    if (!outcome.ok) return outcome.response;
    return { ok: true as const, intent, message: outcome.result };
  }
  const admin = await requireAdmin(request, { mutating: true });
  const { db } = await getContext();
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
      <AlertsPanel view={s.alerts} canEdit={s.canEdit} reply={reply} />
      <MyAlertsPanel view={s.alerts} reply={reply} />
      <div className="panel">
        <h2>Server</h2>
        <dl className="kv">
          {s.server ? (
            <>
              <dt>Database</dt>
              <dd data-testid="server-database">{s.server.database}</dd>
            </>
          ) : null}
          <dt>Automatic refresh</dt>
          <dd data-testid="refresh-every">{s.refreshEvery}</dd>
          <dt>Refresh runs kept</dt>
          <dd data-testid="runs-kept">
            {s.runsKept}
            <div className="muted small">The score history, and the runs each customer's health rests on, are kept for good.</div>
          </dd>
          {s.server ? (
            <>
              <dt>Send health to your PostHog</dt>
              <dd>{s.server.posthogExport}</dd>
            </>
          ) : null}
        </dl>
        <p className="muted">These come from environment variables; see the README.</p>
      </div>
      <RefreshQueuePanel queue={s.queue} />
    </>
  );
}
