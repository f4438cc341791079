import type { LoaderFunctionArgs } from "@remix-run/node";
import { customerApiDetail } from "~/models/customer-api.server";
import { apiJson, requireApiUser } from "~/utils/api-auth.server";
import { getDb } from "~/utils/db.server";
import { readOnlyAction } from "~/utils/read-only-route.server";

/** GET /api/customers/:slug — the customer, its current health and the latest check results. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireApiUser(request);
  const detail = await customerApiDetail(await getDb(), params.slug ?? "");
  if (!detail) return apiJson({ error: `No customer with slug "${params.slug ?? ""}"` }, { status: 404 });
  return apiJson(detail);
}

export const action = readOnlyAction;
