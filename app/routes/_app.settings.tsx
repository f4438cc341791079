import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireUser } from "~/utils/auth.server";
import { getContext } from "~/utils/db.server";

export const meta: MetaFunction = () => [{ title: "Settings · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  const { config, dbHandle } = await getContext();
  return {
    database: dbHandle.kind === "pglite" ? `Embedded (PGlite) in ${config.dataDir}` : "PostgreSQL server (DATABASE_URL)",
    refreshEvery: config.DELIGHT_REFRESH_INTERVAL === 0 ? "off" : `${Math.round(config.DELIGHT_REFRESH_INTERVAL / 60_000)} minutes`,
    posthogExport: config.DELIGHT_POSTHOG_API_KEY ? `on (${config.DELIGHT_POSTHOG_HOST})` : "off",
  };
}

export default function Settings() {
  const s = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      <div className="panel">
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
