import { sql } from "drizzle-orm";
import { check, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, tstz } from "./columns";

export const CUSTOM_CHECK_KINDS = ["manual", "event"] as const;

/** The team's event check definition (checks/event-checks.ts validates it before it is saved). */
export type StoredEventDefinition = {
  event: string;
  property: string | null;
  operator: "equals" | "not_equals" | "contains" | "not_contains" | "is_set" | "is_not_set" | "gt" | "lt" | null;
  value: string | null;
  minCount: number;
  days: number;
  /** Events (the default, and what rows saved before this field mean) or distinct persons. */
  count?: "events" | "persons";
};

/**
 * Questions a team adds to the handbook's checklist. Never deleted and never edited: retiring one
 * stops it being scored, while its answers and results stay in history under the same id.
 */
export const customChecks = pgTable(
  "custom_checks",
  {
    /** `custom.<slug>`, stable for the check's life. */
    id: text("id").primaryKey(),
    kind: text("kind", { enum: CUSTOM_CHECK_KINDS }).notNull(),
    section: text("section", { enum: ["setup", "training", "value"] }).notNull(),
    question: text("question").notNull(),
    /** Plan ids the check applies to; empty = every customer. */
    planIds: jsonb("plan_ids").$type<number[]>().notNull().default([]),
    event: jsonb("event").$type<StoredEventDefinition | null>(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    retiredAt: tstz("retired_at"),
    retiredBy: text("retired_by"),
  },
  (t) => [
    check("custom_checks_id_check", sql`${t.id} ~ '^custom\\.[a-z0-9_]{1,48}$'`),
    check("custom_checks_kind_check", sql`${t.kind} in ('manual', 'event')`),
    check("custom_checks_event_check", sql`(${t.kind} = 'event') = (${t.event} is not null)`),
  ],
);

/**
 * Numbered scoring rules. Version 1 is DEFAULT_SCORING in code and has no row; every change of
 * weights, bands or the checks that count appends the next number. Scores keep the number they
 * were computed with, so history shows when the rules changed.
 */
export const scoringVersions = pgTable(
  "scoring_versions",
  {
    number: integer("number").primaryKey(),
    weights: jsonb("weights").$type<Record<string, number>>().notNull(),
    bands: jsonb("bands").$type<{ healthy: number; concerning: number }>().notNull(),
    /** What this version changed against the one before, in words a person reads in Settings. */
    changed: jsonb("changed").$type<string[]>().notNull().default([]),
    author: text("author").notNull(),
    createdAt: createdAt(),
  },
  (t) => [check("scoring_versions_number_check", sql`${t.number} >= 2`)],
);

/** One row (id 1): which extra checks are on, and the minimum SDK version per `$lib`. */
export const teamSettings = pgTable(
  "team_settings",
  {
    id: integer("id").primaryKey().default(1),
    extras: jsonb("extras").$type<string[]>().notNull().default([]),
    minSdkVersions: jsonb("min_sdk_versions").$type<Record<string, string>>().notNull().default({}),
    updatedBy: text("updated_by").notNull(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [check("team_settings_single_row", sql`${t.id} = 1`)],
);
