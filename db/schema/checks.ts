import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, serial, text } from "drizzle-orm/pg-core";
import { createdAt, tstz } from "./columns";
import { customers } from "./customers";
import { users } from "./users";

export const RUN_STATUSES = ["ok", "partial", "failed"] as const;
export const CHECK_STATUSES = ["pass", "fail", "na", "unknown"] as const;
export const CHECK_SOURCES = ["posthog", "manual", "override", "delight"] as const;
/** `withdrawn` takes the previous answer back (history is append-only, so it is a row too). */
export const ANSWERS = ["yes", "no", "na", "withdrawn"] as const;
export const OVERRIDE_STATUSES = ["pass", "fail", "na", "cleared"] as const;

/** One refresh of one customer. Written in the same transaction as its results. */
export const checkRuns = pgTable(
  "check_runs",
  {
    id: serial("id").primaryKey(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    startedAt: tstz("started_at").notNull(),
    finishedAt: tstz("finished_at").notNull(),
    status: text("status", { enum: RUN_STATUSES }).notNull(),
    /** Failures per PostHog call, in plain words; never contains the API key. */
    errors: jsonb("errors").$type<{ call: string; kind: string; message: string }[]>().notNull().default([]),
    apiCalls: integer("api_calls").notNull().default(0),
    /**
     * The measured snapshot the results were decided on: the current results' run's is re-evaluated
     * when the rules change; older runs go after DELIGHT_RUN_RETENTION (db/retention.ts).
     */
    // Compressed with lz4 on a server that has it (migration 0018).
    snapshot: jsonb("snapshot"),
    trigger: text("trigger").notNull().default("manual"),
  },
  (t) => [
    index("check_runs_customer_idx").on(t.customerId, t.finishedAt),
    // Runs past DELIGHT_RUN_RETENTION are found by age (db/retention.ts), oldest first.
    index("check_runs_finished_idx").on(t.finishedAt),
    check("check_runs_status_check", sql`${t.status} in ('ok', 'partial', 'failed')`),
  ],
);

export const checkResults = pgTable(
  "check_results",
  {
    id: serial("id").primaryKey(),
    runId: integer("run_id")
      .notNull()
      .references(() => checkRuns.id, { onDelete: "cascade" }),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    checkId: text("check_id").notNull(),
    status: text("status", { enum: CHECK_STATUSES }).notNull(),
    evidence: jsonb("evidence").$type<Record<string, unknown>>().notNull().default({}),
    summary: text("summary").notNull().default(""),
    createdAt: createdAt(),
  },
  (t) => [
    index("check_results_run_idx").on(t.runId),
    index("check_results_customer_check_idx").on(t.customerId, t.checkId, t.createdAt),
    check("check_results_status_check", sql`${t.status} in ('pass', 'fail', 'na', 'unknown')`),
  ],
);

export const manualAnswers = pgTable(
  "manual_answers",
  {
    id: serial("id").primaryKey(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    checkId: text("check_id").notNull(),
    answer: text("answer", { enum: ANSWERS }).notNull(),
    note: text("note").notNull().default(""),
    authorId: integer("author_id").references(() => users.id, { onDelete: "set null" }),
    authorName: text("author_name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("manual_answers_customer_check_idx").on(t.customerId, t.checkId, t.createdAt),
    check("manual_answers_answer_check", sql`${t.answer} in ('yes', 'no', 'na', 'withdrawn')`),
  ],
);

/** Override of an automated check; a later row with status 'cleared' ends it. */
export const overrides = pgTable(
  "overrides",
  {
    id: serial("id").primaryKey(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    checkId: text("check_id").notNull(),
    status: text("status", { enum: OVERRIDE_STATUSES }).notNull(),
    reason: text("reason").notNull(),
    expiresAt: tstz("expires_at"),
    authorId: integer("author_id").references(() => users.id, { onDelete: "set null" }),
    authorName: text("author_name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("overrides_customer_check_idx").on(t.customerId, t.checkId, t.createdAt),
    check("overrides_status_check", sql`${t.status} in ('pass', 'fail', 'na', 'cleared')`),
  ],
);
