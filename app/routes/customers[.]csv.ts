import type { LoaderFunctionArgs } from "@remix-run/node";
import { formatContactList } from "~/models/commercial";
import { type PortfolioRow, parsePortfolioParams, portfolioBatches } from "~/models/portfolio.server";
import { requireUser } from "~/utils/auth.server";
import { type CsvCell, csvLines, UTF8_BOM } from "~/utils/csv";
import { getDb } from "~/utils/db.server";
import { filterRefusal } from "~/utils/portfolio-params";
import { readOnlyAction } from "~/utils/read-only-route.server";
import { applySecurityHeaders } from "~/utils/security-headers.server";
import { flag80Reason } from "../../checks/assessment/flag80";

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
  "80% flag as of",
  "80% flag because",
  "Failing checks",
  "Data through",
  "Stale data",
  "Last refresh",
  "Last refresh status",
  "Last refresh problem",
  "ARR",
  "Currency",
  "Renewal date",
  "Contacts",
];

const round = (n: number | null | undefined, digits = 0) => (n === null || n === undefined ? null : Number(n.toFixed(digits)));

/** One customer's line of the file. */
function cellsOf({ name, slug, owner, plan, health: h, arr, currency, renewalDate, contacts }: PortfolioRow): CsvCell[] {
  return [
    name,
    slug,
    owner?.email,
    plan?.name,
    round(h?.score, 1),
    h?.band,
    h ? round(h.coverage * 100) : null,
    round(h?.planPercent, 1),
    round(h?.projectedPercent, 1),
    h?.flagged80 ? "yes" : "no",
    h?.flagged80AsOf,
    flag80Reason(h?.flagged80Why ?? null),
    h?.failing,
    h?.dataThrough,
    h?.stale ? "yes" : "no",
    h?.lastRefresh?.at,
    h?.lastRefresh?.status,
    h?.problem?.sentence,
    arr,
    currency,
    renewalDate,
    formatContactList(contacts),
  ];
}

/** GET /customers.csv?…portfolio filters — every matching customer, not just one page. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const now = new Date();
  const search = new URL(request.url).searchParams;
  const filters = parsePortfolioParams(search);
  // A file is not the place to say a filter was left out: refuse, as the page would have said.
  const refusal = filterRefusal(search, filters);
  if (refusal.length > 0) {
    const headers = new Headers({ "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
    applySecurityHeaders(headers);
    return new Response(refusal.join("\n"), { status: 400, headers });
  }
  // The file streams out a batch of customers at a time; the first batch is read before answering,
  // so a failure to read anything is an error page rather than a file cut short.
  const batches = portfolioBatches(await getDb(), filters, { userId: user.id, now });
  const first = await batches.next();
  const encoder = new TextEncoder();
  const lines = (rows: PortfolioRow[]) => encoder.encode(csvLines(rows.map(cellsOf)));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(UTF8_BOM + csvLines([HEADER])));
      if (first.done) controller.close();
      else controller.enqueue(lines(first.value));
    },
    async pull(controller) {
      const next = await batches.next();
      if (next.done) controller.close();
      else controller.enqueue(lines(next.value));
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  const headers = new Headers({
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="delight-customers-${now.toISOString().slice(0, 10)}.csv"`,
    "Cache-Control": "no-store",
  });
  applySecurityHeaders(headers);
  return new Response(body, { headers });
}

export const action = readOnlyAction;
