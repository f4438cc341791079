import type { LoaderFunctionArgs } from "@remix-run/node";
import { customerListEntry } from "~/models/customer-api.server";
import { parsePortfolioParams, queryPortfolio } from "~/models/portfolio.server";
import { apiJson, requireApiUser } from "~/utils/api-auth.server";
import { getDb } from "~/utils/db.server";

/** GET /api/customers?q=&owner=&band=&flagged=1&sort=&dir=&page= — the portfolio's filters, 25 a page. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireApiUser(request);
  const filters = parsePortfolioParams(new URL(request.url).searchParams);
  const portfolio = await queryPortfolio(await getDb(), filters, { userId: user.id });
  return apiJson({
    customers: portfolio.rows.map(customerListEntry),
    total: portfolio.total,
    page: portfolio.page,
    pageSize: portfolio.pageSize,
  });
}
