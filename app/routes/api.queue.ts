import type { LoaderFunctionArgs } from "@remix-run/node";
import { readRefreshQueueView } from "~/models/refresh-queue-view.server";
import { apiJson, requireApiUser } from "~/utils/api-auth.server";
import { getContext } from "~/utils/db.server";
import { readOnlyAction } from "~/utils/read-only-route.server";

/**
 * GET /api/queue — whether background refreshes keep up, as the Settings page's panel shows it
 * (which it polls here while open): jobs waiting, running, held back and retrying, customers due,
 * and `stalled` when customers wait and no process works jobs, for a monitor to page someone on.
 * Which processes work jobs (host and pid) only for admins, as on the page.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireApiUser(request);
  return apiJson(await readRefreshQueueView(await getContext(), user.role));
}

export const action = readOnlyAction;
