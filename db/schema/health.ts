import { sql } from "drizzle-orm";
import { bigint, boolean, date, index, integer, jsonb, numeric, pgTable, primaryKey, real, serial, text } from "drizzle-orm/pg-core";
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
    // Compressed with lz4 on a server that has it (migration 0018).
    contributions: jsonb("contributions").$type<unknown[]>().notNull().default([]),
    failing: integer("failing").notNull().default(0),
    unknown: integer("unknown").notNull().default(0),
    /** Usage versus plan when the score was computed, so the portfolio needs no per-row maths. */
    periodEvents: bigint("period_events", { mode: "number" }),
    planPercent: real("plan_percent"),
    projectedPercent: real("projected_percent"),
    flagged80: boolean("flagged_80").notNull().default(false),
    scoringVersion: text("scoring_version").notNull(),
    /** The plan's name at the time, so a later move can say the plan changed: "" for none, null for rows stored before it was. */
    plan: text("plan"),
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
  (t) => [
    index("audit_log_entity_idx").on(t.entity, t.entityId, t.at),
    index("audit_log_at_idx").on(sql`${t.at} desc`),
    // The audit page lists the log's actions on every view: a walk of this index from one action
    // to the next (auditActions) instead of reading the whole, ever-growing log.
    index("audit_log_action_idx").on(t.action),
  ],
);

/**
 * Each customer's current assessment: the one stored truth every page, export, command and
 * integration reads. Written only by the assessment writer (checks/assessment/store.ts), in the
 * same transaction as whatever changed the customer's health; history is every assessment in
 * health_scores. The scalar columns are copies of the assessment for sorting and filtering
 * 10,000 customers without reading the JSON.
 */
export const currentHealth = pgTable(
  "current_health",
  {
    customerId: integer("customer_id")
      .primaryKey()
      .references(() => customers.id, { onDelete: "cascade" }),
    /** The history row of this assessment. */
    scoreId: integer("score_id").references(() => healthScores.id, { onDelete: "set null" }),
    /** Newest run of any status. */
    runId: integer("run_id").references(() => checkRuns.id, { onDelete: "set null" }),
    /** Newest run that produced results (ok or partial): its results are the current automated state. */
    resultsRunId: integer("results_run_id").references(() => checkRuns.id, { onDelete: "set null" }),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
    /** Bumped by every write, so a writer that read its inputs earlier can tell they changed. */
    revision: integer("revision").notNull().default(0),
    /** When this assessment stops being true without any new input (see checks/assessment/assess.ts). */
    validUntil: tstz("valid_until").notNull().default(sql`'1970-01-01T00:00:00Z'`),
    /** The whole assessment (checks, usage, freshness); null until the first one is written. */
    // Compressed with lz4 on a server that has it (migration 0018).
    state: jsonb("state").$type<unknown>(),
    /** What every reader shows about the customer's health (checks/assessment/summary.ts). */
    // Stored apart from the row, with `signals`, so scans of the book stay narrow; the sparkline,
    // name and owner stay in it (migration 0026).
    summary: jsonb("summary").$type<unknown>(),
    score: real("score"),
    band: text("band"),
    coverage: real("coverage"),
    failing: integer("failing"),
    unknown: integer("unknown"),
    planPercent: real("plan_percent"),
    projectedPercent: real("projected_percent"),
    flagged80: boolean("flagged_80").notNull().default(false),
    /** No successful refresh in the last 2 days. */
    stale: boolean("stale").notNull().default(true),
    scoringVersion: text("scoring_version"),
    scoredAt: tstz("scored_at"),
    refreshedAt: tstz("refreshed_at"),
    runStatus: text("run_status"),
    /**
     * What the alerts compare the next assessment with (checks/alerts/transitions.ts): each
     * condition's last known value. Null until the first assessment after alerts existed.
     */
    signals: jsonb("signals").$type<unknown>(),
    /**
     * Last score of each UTC day over the past 90 days as one array, oldest first, null for a day
     * without one: { from: "2025-03-01", scores: [71.2, null, 70.4, …] } (checks/assessment/sparkline.ts).
     */
    sparkline: jsonb("sparkline").$type<{ from: string | null; scores: (number | null)[] }>().notNull().default({ from: null, scores: [] }),
    /**
     * Score change over 7 and 30 days: this score minus the last one stored at or before that
     * time (null without either). Computed by the writer so the portfolio sorts and filters them by index.
     */
    change7d: real("change_7d"),
    change30d: real("change_30d"),
    /** The scoring version of that older score when it differs from this one's (the change then mixes versions). */
    change7dFrom: text("change_7d_from"),
    change30dFrom: text("change_30d_from"),
    /*
     * Copies of the customer's name, owner and archived state, kept by triggers on customers and
     * users (see the migration "portfolio_ready_row"): the portfolio filters and sorts this one
     * table, each sort a top-N on its own index.
     */
    customerName: text("customer_name"),
    ownerId: integer("owner_id"),
    ownerName: text("owner_name"),
    archived: boolean("archived").notNull().default(false),
    /*
     * Copies of the customer's commercial context (migration "portfolio_commercial_copies"): the
     * ARR and renewal sorts and filters, and the ARR at risk, read this table like the others.
     */
    arr: numeric("arr", { precision: 16, scale: 2, mode: "number" }),
    currency: text("currency"),
    renewalDate: date("renewal_date", { mode: "string" }),
  },
  // The foreign keys are ON DELETE SET NULL: each deleted score or run looks its pointer up here.
  (t) => [
    index("current_health_score_idx").on(t.scoreId),
    index("current_health_run_idx").on(t.runId),
    index("current_health_results_run_idx").on(t.resultsRunId),
    // Expired assessments of active customers, oldest first (expiredIds, before every page that
    // shows health): a top-N on this index, however many customers are archived.
    index("current_health_due_idx").on(t.validUntil, t.customerId).where(sql`not ${t.archived}`),
    // Settings' rescoring progress (how many active customers the newest version has assessed),
    // counted from this index alone instead of every ready row.
    index("current_health_version_idx").on(t.scoringVersion, t.validUntil).where(sql`not ${t.archived}`),
    // The portfolio: one index per sort over active customers; names in ICU's root collation so
    // Ç and Ø sort with C and O on PGlite and PostgreSQL alike.
    index("portfolio_name_idx").on(sql`${t.customerName} collate "und-x-icu"`, t.customerId).where(sql`not ${t.archived}`),
    index("portfolio_owner_idx").on(sql`${t.ownerName} collate "und-x-icu"`).where(sql`not ${t.archived}`),
    // "Mine" and one owner's customers, by name: without it the name index was walked to its end
    // for a CSM who owns few of 100,000 customers (375 ms).
    index("portfolio_owner_id_idx").on(t.ownerId, sql`${t.customerName} collate "und-x-icu"`, t.customerId).where(sql`not ${t.archived}`),
    // The stale, by name: few among many, so walking the name index for them read most of the book.
    index("portfolio_stale_idx").on(sql`${t.customerName} collate "und-x-icu"`, t.customerId).where(sql`not ${t.archived} and ${t.stale}`),
    index("portfolio_score_idx").on(t.score).where(sql`not ${t.archived}`),
    // A band tile then a sort by score: the band's customers in score order, without reading the others.
    index("portfolio_band_score_idx").on(t.band, t.score).where(sql`not ${t.archived}`),
    index("portfolio_coverage_idx").on(t.coverage).where(sql`not ${t.archived}`),
    index("portfolio_plan_idx").on(t.planPercent).where(sql`not ${t.archived}`),
    index("portfolio_refreshed_idx").on(t.refreshedAt).where(sql`not ${t.archived}`),
    index("portfolio_failing_idx").on(t.failing).where(sql`not ${t.archived}`),
    index("portfolio_change_7d_idx").on(t.change7d).where(sql`not ${t.archived}`),
    index("portfolio_change_30d_idx").on(t.change30d).where(sql`not ${t.archived}`),
    index("portfolio_arr_idx").on(t.arr).where(sql`not ${t.archived}`),
    index("portfolio_renewal_idx").on(t.renewalDate).where(sql`not ${t.archived}`),
  ],
);

/**
 * Active customers per band and per value of each portfolio filter but the search, and per
 * currency with their ARR added up: the band tiles, the totals and the ARR at risk read a handful
 * of these rows instead of reading 10,000. Kept by statement triggers on current_health (see the
 * migrations "portfolio_ready_row" and "portfolio_commercial_copies"), in the transaction that
 * changed a row. `moved` is |change_7d| ≥ 5, MOVED_THRESHOLD in app/utils/portfolio-params.ts.
 */
export const portfolioCounts = pgTable(
  "portfolio_counts",
  {
    band: text("band").notNull(),
    /** 0 for customers without an owner. */
    ownerId: integer("owner_id").notNull(),
    flagged: boolean("flagged").notNull(),
    stale: boolean("stale").notNull(),
    moved: boolean("moved").notNull(),
    /** "" for customers without revenue (they have no ARR and no currency). */
    currency: text("currency").notNull().default(""),
    n: integer("n").notNull(),
    /** The ARR of those customers, in `currency`. */
    arr: numeric("arr", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.band, t.ownerId, t.flagged, t.stale, t.moved, t.currency] })],
);
