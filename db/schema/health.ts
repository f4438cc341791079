import { sql } from "drizzle-orm";
import { bigint, boolean, date, index, integer, jsonb, pgTable, primaryKey, real, serial, text } from "drizzle-orm/pg-core";
import { checkRuns } from "./checks";
import { createdAt, tstz } from "./columns";
import { customers } from "./customers";

export const healthScores = pgTable(
  "health_scores",
  {
    id: serial("id").primaryKey(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    computedAt: tstz("computed_at").notNull().defaultNow(),
    /** Null when no check was decided: a score of nothing is not a score of 0. */
    score: real("score"),
    band: text("band"),
    coverage: real("coverage").notNull(),
    sections: jsonb("sections").$type<Record<string, { score: number | null; coverage: number }>>().notNull(),
    contributions: jsonb("contributions").$type<unknown[]>().notNull().default([]),
    failing: integer("failing").notNull().default(0),
    unknown: integer("unknown").notNull().default(0),
    /** Usage versus plan when the score was computed, so the portfolio needs no per-row maths. */
    periodEvents: bigint("period_events", { mode: "number" }),
    planPercent: real("plan_percent"),
    projectedPercent: real("projected_percent"),
    flagged80: boolean("flagged_80").notNull().default(false),
    scoringVersion: text("scoring_version").notNull(),
    runId: integer("run_id").references(() => checkRuns.id, { onDelete: "set null" }),
    reason: text("reason").notNull(),
  },
  (t) => [
    // The portfolio's sparkline and the customer page's history read by customer and time.
    index("health_scores_customer_idx").on(t.customerId, t.computedAt),
    // ON DELETE SET NULL from check_runs looks rows up by run_id; without it deleting a customer scans all history.
    index("health_scores_run_idx").on(t.runId),
  ],
);

/**
 * PostHog's daily event counts for a customer, one row per project-local day. A refresh re-measures
 * recent days (late ingestion can still add events), so a day's row holds its latest measurement;
 * the raw measurement of every refresh stays in check_runs.snapshot.
 */
export const usageDaily = pgTable(
  "usage_daily",
  {
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    events: bigint("events", { mode: "number" }).notNull(),
    identifies: bigint("identifies", { mode: "number" }).notNull().default(0),
    localEvents: bigint("local_events", { mode: "number" }).notNull().default(0),
    nonLocalEvents: bigint("non_local_events", { mode: "number" }).notNull().default(0),
    flagCalls: bigint("flag_calls", { mode: "number" }).notNull().default(0),
    measuredAt: tstz("measured_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.day] })],
);

export const catchups = pgTable(
  "catchups",
  {
    id: serial("id").primaryKey(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    /** Date of the meeting; in the future while it is only scheduled. */
    date: date("date", { mode: "string" }).notNull(),
    status: text("status", { enum: ["scheduled", "held", "cancelled"] })
      .notNull()
      .default("scheduled"),
    attendees: text("attendees").notNull().default(""),
    notes: text("notes").notNull().default(""),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("catchups_customer_idx").on(t.customerId, t.date)],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: serial("id").primaryKey(),
    at: tstz("at").notNull().defaultNow(),
    actorId: integer("actor_id"),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    entity: text("entity").notNull(),
    entityId: text("entity_id"),
    /** What changed; callers pass field names and new values, never secrets. */
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("audit_log_entity_idx").on(t.entity, t.entityId, t.at), index("audit_log_at_idx").on(sql`${t.at} desc`)],
);

/**
 * Derived pointer to each customer's newest score and run, written in the same transaction as
 * them. History stays in health_scores and check_runs; this only spares the portfolio a
 * "latest row per customer" search over millions of rows.
 */
export const currentHealth = pgTable(
  "current_health",
  {
    customerId: integer("customer_id")
      .primaryKey()
      .references(() => customers.id, { onDelete: "cascade" }),
    scoreId: integer("score_id").references(() => healthScores.id, { onDelete: "set null" }),
    runId: integer("run_id").references(() => checkRuns.id, { onDelete: "set null" }),
    /** Latest run that produced results (ok or partial): its results are the current automated state. */
    resultsRunId: integer("results_run_id").references(() => checkRuns.id, { onDelete: "set null" }),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
    /*
     * Copies of what the pointers point at, filled by the current_health_copy trigger (migration
     * 0004) whenever a pointer changes, so the portfolio sorts and counts 10,000 customers from
     * this one narrow table instead of looking up 10,000 rows among millions of scores.
     */
    score: real("score"),
    band: text("band"),
    coverage: real("coverage"),
    failing: integer("failing"),
    unknown: integer("unknown"),
    planPercent: real("plan_percent"),
    projectedPercent: real("projected_percent"),
    flagged80: boolean("flagged_80").notNull().default(false),
    scoredAt: tstz("scored_at"),
    refreshedAt: tstz("refreshed_at"),
    runStatus: text("run_status"),
  },
  // The foreign keys are ON DELETE SET NULL: each deleted score or run looks its pointer up here.
  (t) => [
    index("current_health_score_idx").on(t.scoreId),
    index("current_health_run_idx").on(t.runId),
    index("current_health_results_run_idx").on(t.resultsRunId),
  ],
);
