import type { LoaderFunctionArgs } from "@remix-run/node";
import { parsePortfolioParams, queryPortfolio } from "~/models/portfolio.server";
import { requireUser } from "~/utils/auth.server";
import { toCsv, UTF8_BOM } from "~/utils/csv";
import { getDb } from "~/utils/db.server";
import { applySecurityHeaders } from "~/utils/security-headers.server";

const HEADER = [
  "Name",
  "Slug",
  "Owner email",
  "Plan",
  "Score",
  "Band",
  "Coverage %",
  "Plan %",
  "Projected %",
  "At least 80% of plan",
  "Failing checks",
  "Last refresh",
  "Last refresh status",
];

const round = (n: number | null, digits = 0) => (n === null ? null : Number(n.toFixed(digits)));

/** GET /customers.csv?…portfolio filters — every matching customer, not just one page. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const now = new Date();
  const filters = parsePortfolioParams(new URL(request.url).searchParams);
  const { rows } = await queryPortfolio(await getDb(), filters, { userId: user.id, pageSize: null, now });
  const body =
    UTF8_BOM +
    toCsv(
      HEADER,
      rows.map((r) => [
        r.name,
        r.slug,
        r.owner?.email,
        r.plan?.name,
        round(r.score, 1),
        r.band,
        r.coverage === null ? null : round(r.coverage * 100),
        round(r.planPercent, 1),
        round(r.projectedPercent, 1),
        r.flagged80 ? "yes" : "no",
        r.failing,
        r.lastRefresh?.at,
        r.lastRefresh?.status,
      ]),
    );
  const headers = new Headers({
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="delight-customers-${now.toISOString().slice(0, 10)}.csv"`,
    "Cache-Control": "no-store",
  });
  applySecurityHeaders(headers);
  return new Response(body, { headers });
}
