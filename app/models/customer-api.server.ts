import { asc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { checkResults, checkRuns, currentHealth, healthScores } from "../../db/schema";
import { customerJson, getCustomer, type PublicCustomer } from "./customers.server";
import type { PortfolioRow } from "./portfolio.server";

/** One entry of GET /api/customers: the CLI's customer shape plus its current health. */
export function apiListEntry(row: PortfolioRow) {
  const customer: PublicCustomer = {
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
    archivedAt: null,
  };
  return {
    ...customerJson(customer),
    health:
      row.scoredAt === null
        ? null
        : {
            score: row.score,
            band: row.band,
            coverage: row.coverage,
            failing: row.failing,
            unknown: row.unknown,
            planPercent: row.planPercent,
            projectedPercent: row.projectedPercent,
            flagged80: row.flagged80,
            computedAt: row.scoredAt,
          },
    lastRefresh: row.lastRefresh,
  };
}

/** GET /api/customers/:slug: the customer, its current score and the results of its latest run. */
export async function customerApiDetail(db: Db, slug: string) {
  const customer = await getCustomer(db, slug);
  if (!customer) return null;
  const [current] = await db
    .select({
      scoreId: currentHealth.scoreId,
      resultsRunId: currentHealth.resultsRunId,
      score: healthScores.score,
      band: healthScores.band,
      coverage: healthScores.coverage,
      sections: healthScores.sections,
      failing: healthScores.failing,
      unknown: healthScores.unknown,
      planPercent: healthScores.planPercent,
      projectedPercent: healthScores.projectedPercent,
      flagged80: healthScores.flagged80,
      computedAt: healthScores.computedAt,
      scoringVersion: healthScores.scoringVersion,
      runFinishedAt: checkRuns.finishedAt,
      runStatus: checkRuns.status,
      runErrors: checkRuns.errors,
    })
    .from(currentHealth)
    .leftJoin(healthScores, eq(healthScores.id, currentHealth.scoreId))
    .leftJoin(checkRuns, eq(checkRuns.id, currentHealth.runId))
    .where(eq(currentHealth.customerId, customer.id));
  const checks = current?.resultsRunId
    ? await db
        .select({ id: checkResults.checkId, status: checkResults.status, summary: checkResults.summary, evidence: checkResults.evidence })
        .from(checkResults)
        .where(eq(checkResults.runId, current.resultsRunId))
        .orderBy(asc(checkResults.checkId))
    : [];
  return {
    ...customerJson(customer),
    health: current?.computedAt
      ? {
          score: current.score,
          band: current.band,
          coverage: current.coverage,
          sections: current.sections,
          failing: current.failing,
          unknown: current.unknown,
          planPercent: current.planPercent,
          projectedPercent: current.projectedPercent,
          flagged80: current.flagged80 ?? false,
          computedAt: current.computedAt.toISOString(),
          scoringVersion: current.scoringVersion,
        }
      : null,
    lastRefresh: current?.runFinishedAt
      ? { at: current.runFinishedAt.toISOString(), status: current.runStatus, errors: current.runErrors }
      : null,
    checks,
  };
}
