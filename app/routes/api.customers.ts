import type { LoaderFunctionArgs } from "@remix-run/node";
import { customerListEntry } from "~/models/customer-api.server";
import { parsePortfolioParams, queryPortfolio } from "~/models/portfolio.server";
import { apiJson, requireApiUser } from "~/utils/api-auth.server";
import { getDb } from "~/utils/db.server";
import { filterRefusal } from "~/utils/portfolio-params";
import { readOnlyAction } from "~/utils/read-only-route.server";

/** GET /api/customers?q=&owner=&band=&flagged=1&sort=&dir=&page=&arrMin=&renews= — the portfolio's filters, 25 a page; 400 for an unreadable arrMin or renews. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireApiUser(request);
  const search = new URL(request.url).searchParams;
  const filters = parsePortfolioParams(search);
  // A script that asks for a filter it mistyped gets told, rather than every customer.
  const refusal = filterRefusal(search, filters);
  if (refusal.length > 0) return apiJson({ error: refusal.join("; ") }, { status: 400 });
  const portfolio = await queryPortfolio(await getDb(), filters, { userId: user.id });
  return apiJson({
    customers: portfolio.rows.map(customerListEntry),
    total: portfolio.total,
    page: portfolio.page,
    pageSize: portfolio.pageSize,
  });
}

export const action = readOnlyAction;
