import type { Assessment } from "../../checks/assessment/assess";
import { currentAssessment } from "../../checks/assessment/store";
import { healthSummary } from "../../checks/assessment/summary";
import type { Db } from "../../db/client";
import { customerJson, getCustomer, type PublicCustomer } from "./customers.server";
import type { PortfolioRow } from "./portfolio.server";

/*
 * The outward JSON of a customer: GET /api/customers and `delight customer list --json` use the
 * list entry; GET /api/customers/:slug and `delight report --json` the detail. Both carry the
 * stored health summary unchanged.
 */

/** A portfolio row as the customer's public shape. */
function publicCustomerOf(row: PortfolioRow): PublicCustomer {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    posthogHost: row.posthogHost,
    projectId: row.projectId,
    apiKeyLast4: row.apiKeyLast4,
    planId: row.plan?.id ?? null,
    planName: row.plan?.name ?? null,
    planMonthlyEvents: row.plan?.monthlyEvents ?? null,
    billingDay: row.billingDay,
    ownerId: row.owner?.id ?? null,
    ownerName: row.owner?.name ?? null,
    ownerEmail: row.owner?.email ?? null,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
    archivedAt: row.archivedAt ? new Date(row.archivedAt) : null,
    revenue: row.revenue,
    revenuePeriod: row.revenuePeriod,
    currency: row.currency,
    arr: row.arr,
    renewalDate: row.renewalDate,
    contacts: row.contacts,
  };
}

/** One entry of the customer list: the customer and its current health. */
export function customerListEntry(row: PortfolioRow) {
  return { ...customerJson(publicCustomerOf(row)), health: row.health };
}

/** One customer in full: its health, sections, usage versus plan, and every check with its evidence. */
export function customerDetailJson(customer: PublicCustomer, a: Assessment) {
  const { usage } = a;
  return {
    ...customerJson(customer),
    health: healthSummary(a),
    sections: a.sections,
    usage: {
      plan: usage.plan,
      period: usage.period,
      eventsThisPeriod: usage.eventsThisPeriod,
      dataThrough: usage.dataThrough,
      missingDays: usage.missingDays,
      percentOfQuota: usage.percentOfQuota,
      projected: usage.projected,
      projectedPercent: usage.projectedPercent,
      projection: usage.projection,
    },
    lastRefresh: a.freshness.lastRefresh,
    checks: a.checks.map((c) => ({
      id: c.checkId,
      section: c.section,
      question: c.question,
      kind: c.kind,
      status: c.status,
      source: c.source,
      summary: c.summary,
      evidence: c.evidence,
      weight: c.weight,
      stale: c.answer?.stale ?? false,
    })),
  };
}

/** GET /api/customers/:slug: the customer and its assessment valid now. */
export async function customerApiDetail(db: Db, slug: string, now = new Date()) {
  const customer = await getCustomer(db, slug);
  if (!customer) return null;
  const current = await currentAssessment(db, customer.id, now);
  return current ? customerDetailJson(customer, current.assessment) : null;
}
