import type { LoaderFunctionArgs } from "@remix-run/node";
import { alertJson, listAlertPage, parseAlertFilters } from "~/models/alerts.server";
import { apiJson, requireApiUser } from "~/utils/api-auth.server";
import { getDb } from "~/utils/db.server";
import { readOnlyAction } from "~/utils/read-only-route.server";
import { InputError } from "~/utils/validation.server";

/**
 * GET /api/alerts?customer=SLUG&kind=K&all=1&before=ID — open alerts, newest first (with `all`,
 * acknowledged, snoozed and muted ones too), in the same shape as `delight alerts --json`; 500 at
 * most, with `next` the `before` of the rest (null when there is none).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireApiUser(request);
  const params = new URL(request.url).searchParams;
  const all = params.get("all");
  if (all !== null && !["1", "true", "0", "false", ""].includes(all)) return apiJson({ error: "all must be 1 or 0" }, { status: 400 });
  try {
    const filters = parseAlertFilters({
      customer: params.get("customer") || undefined,
      kind: params.get("kind") || undefined,
      all: all === "1" || all === "true",
      before: params.get("before") || undefined,
    });
    const page = await listAlertPage(await getDb(), filters);
    const alerts = page.alerts.map(alertJson);
    return apiJson({ alerts, total: alerts.length, next: page.next });
  } catch (error) {
    if (error instanceof InputError) return apiJson({ error: error.message }, { status: 400 });
    throw error;
  }
}

export const action = readOnlyAction;
