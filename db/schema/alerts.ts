import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgTable, primaryKey, serial, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, tstz } from "./columns";
import { customers } from "./customers";
import { healthScores } from "./health";
import { users } from "./users";

/**
 * An alert: raised by the assessment writer (checks/alerts/raise.ts) in the same transaction as
 * the assessment whose change raised it. The row is also the first outbox: the sender turns
 * each unplanned alert into deliveries (alert_deliveries) and marks it planned.
 */
export const alerts = pgTable(
  "alerts",
  {
    id: serial("id").primaryKey(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    /** What the alert is about within its kind: the check id for answer_no, "" otherwise. */
    subject: text("subject").notNull().default(""),
    raisedAt: tstz("raised_at").notNull(),
    /** One line, naming the customer. */
    message: text("message").notNull(),
    /** The numbers the message was made from (checks/alerts/transitions.ts AlertFacts). */
    facts: jsonb("facts").$type<Record<string, unknown>>().notNull().default({}),
    /** The assessment (history row) that raised it. */
    scoreId: integer("score_id").references(() => healthScores.id, { onDelete: "set null" }),
    /** When a later assessment found the condition no longer holds. */
    clearedAt: tstz("cleared_at"),
    acknowledgedAt: tstz("acknowledged_at"),
    acknowledgedBy: text("acknowledged_by"),
    /** Deliveries were created for it (null: the sender has not seen it yet). */
    plannedAt: tstz("planned_at"),
  },
  (t) => [
    index("alerts_customer_idx").on(t.customerId, t.kind, t.raisedAt),
    // The inbox, the API and the CLI list alerts newest first by (raised_at, id), a page at a
    // time: walked backwards, this index gives each page without sorting every alert (33 ms for
    // 12,000 open alerts with raised_at alone, 0.3 ms with it).
    index("alerts_raised_idx").on(t.raisedAt, t.id),
    // ON DELETE SET NULL from health_scores looks alerts up by score_id.
    index("alerts_score_idx").on(t.scoreId),
    index("alerts_unplanned_idx").on(t.id).where(sql`${t.plannedAt} is null`),
  ],
);

/**
 * Snoozes (until a time) and mutes (no end) of one kind for one customer: its alerts leave the
 * inbox and are not delivered while the silence holds.
 */
export const alertSilences = pgTable(
  "alert_silences",
  {
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    /** Null: muted until someone unmutes it. */
    until: tstz("until"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.kind] })],
);

export const DELIVERY_STATUSES = ["pending", "sending", "sent", "failed", "skipped"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The delivery outbox: one row per alert (or weekly digest) and channel, with its rendered
 * message. The idempotency key is unique, so planning twice creates nothing twice; a row is
 * claimed before sending and marked sent after, so a crash in between re-sends it at most once.
 */
export const alertDeliveries = pgTable(
  "alert_deliveries",
  {
    id: serial("id").primaryKey(),
    alertId: integer("alert_id").references(() => alerts.id, { onDelete: "cascade" }),
    /** `slack` or `email`. */
    channel: text("channel").notNull(),
    /** Slack: `team` or `user:<id>` (the URL is read when sending); e-mail: the address. */
    target: text("target").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: tstz("next_attempt_at").notNull().defaultNow(),
    claimedBy: text("claimed_by"),
    claimedAt: tstz("claimed_at"),
    lastError: text("last_error"),
    sentAt: tstz("sent_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("alert_deliveries_key").on(t.idempotencyKey),
    index("alert_deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("alert_deliveries_alert_idx").on(t.alertId),
    check("alert_deliveries_status_check", sql`${t.status} in ('pending', 'sending', 'sent', 'failed', 'skipped')`),
  ],
);

/** Which channels each kind (and the weekly digest) goes to: admins set it in Settings. */
export type AlertRoutes = Record<string, { slackTeam: boolean; slackOwner: boolean; email: boolean }>;

/** One row (id 1): the team's alert settings. Missing row = the defaults in app/models/alert-settings.server.ts. */
export const alertSettings = pgTable(
  "alert_settings",
  {
    id: integer("id").primaryKey().default(1),
    routes: jsonb("routes").$type<AlertRoutes>().notNull().default({}),
    scoreDropPoints: integer("score_drop_points").notNull().default(15),
    staleDays: integer("stale_days").notNull().default(3),
    /** The team Slack webhook, sealed like PostHog keys (anyone holding it can post to the channel). */
    teamSlackEncrypted: text("team_slack_encrypted"),
    teamSlackHint: text("team_slack_hint"),
    /** Monday (UTC) of the newest week whose digests were queued. */
    digestWeek: text("digest_week"),
    updatedBy: text("updated_by").notNull().default("system"),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("alert_settings_single_row", sql`${t.id} = 1`),
    check("alert_settings_score_drop_check", sql`${t.scoreDropPoints} between 1 and 100`),
    check("alert_settings_stale_days_check", sql`${t.staleDays} between 1 and 90`),
  ],
);

/** Each user's own choices: e-mail on or off (and to which address), the digest, a personal Slack webhook. */
export const alertPreferences = pgTable("alert_preferences", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  email: boolean("email").notNull().default(true),
  emailAddress: text("email_address"),
  digest: boolean("digest").notNull().default(true),
  slackEncrypted: text("slack_encrypted"),
  slackHint: text("slack_hint"),
  updatedAt: tstz("updated_at").notNull().defaultNow(),
});

/**
 * A channel that answered in a way retrying cannot fix (Slack 404, SMTP authentication refused).
 * `fingerprint` names the address that broke, so a new address is tried again.
 */
export const alertChannelStatus = pgTable("alert_channel_status", {
  /** `slack:team`, `slack:user:<id>` or `email`. */
  channel: text("channel").primaryKey(),
  fingerprint: text("fingerprint").notNull(),
  brokenAt: tstz("broken_at").notNull(),
  reason: text("reason").notNull(),
});
