import { eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { ALERT_KINDS, DEFAULT_THRESHOLDS } from "../../checks/alerts/kinds";
import type { Db } from "../../db/client";
import { type AlertRoutes, alertChannelStatus, alertPreferences, alertSettings, users } from "../../db/schema";
import { openSecret, sealSecret } from "../../db/secrets";
import type { Config } from "../utils/env.server";
import { InputError, parseInput } from "../utils/validation.server";
import { checkWebhookUrl, fingerprint, webhookHint } from "../utils/webhook-url.server";
import { type Actor, recordAudit } from "./audit.server";

/*
 * Where alerts go. Admins choose, per kind (and for the weekly digest), the team Slack channel,
 * the owner's own Slack and the owner's e-mail; every user chooses their own e-mail, digest and
 * Slack webhook. The in-app inbox always gets every alert.
 */

export const ROUTE_ROWS = [...ALERT_KINDS, "digest"] as const;
export type RouteRow = (typeof ROUTE_ROWS)[number];
export const CHANNELS = ["slackTeam", "slackOwner", "email"] as const;
export type RouteChannel = (typeof CHANNELS)[number];

const ALL = { slackTeam: true, slackOwner: true, email: true };
/** Out of the box the team channel hears about usage and health; every kind reaches the owner. */
export const DEFAULT_ROUTES: Record<RouteRow, Record<RouteChannel, boolean>> = {
  usage_80: ALL,
  usage_100: ALL,
  band_drop: ALL,
  score_drop: ALL,
  usage_drop: ALL,
  stale: ALL,
  catchup_overdue: { slackTeam: false, slackOwner: true, email: true },
  answer_no: { slackTeam: false, slackOwner: true, email: true },
  digest: { slackTeam: false, slackOwner: true, email: true },
};

export function routesFrom(stored: AlertRoutes | undefined): Record<RouteRow, Record<RouteChannel, boolean>> {
  return Object.fromEntries(ROUTE_ROWS.map((row) => [row, { ...DEFAULT_ROUTES[row], ...stored?.[row] }])) as Record<
    RouteRow,
    Record<RouteChannel, boolean>
  >;
}

export type TeamAlertSettings = Awaited<ReturnType<typeof loadAlertSettings>>;

export async function loadAlertSettings(db: Db) {
  const [row] = await db.select().from(alertSettings).where(eq(alertSettings.id, 1));
  return {
    routes: routesFrom(row?.routes),
    thresholds: row ? { scoreDropPoints: row.scoreDropPoints, staleDays: row.staleDays } : DEFAULT_THRESHOLDS,
    teamSlackEncrypted: row?.teamSlackEncrypted ?? null,
    teamSlackHint: row?.teamSlackHint ?? null,
    digestWeek: row?.digestWeek ?? null,
  };
}

/** The team webhook in force: DELIGHT_SLACK_WEBHOOK_URL wins over the one saved in Settings. */
export function teamSlackUrl(config: Config, settings: TeamAlertSettings, secretKey: Buffer): string | null {
  if (config.DELIGHT_SLACK_WEBHOOK_URL) return config.DELIGHT_SLACK_WEBHOOK_URL;
  return settings.teamSlackEncrypted ? openSecret(settings.teamSlackEncrypted, secretKey) : null;
}

// Digits only: Number() would also take "0x10" and "1e1".
const count = (label: string, min: number, max: number) =>
  z
    .string({ required_error: `Enter ${label} as a whole number` })
    .trim()
    .regex(/^\d{1,6}$/, `Enter ${label} as a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${label} must be ${min}–${max}`).max(max, `${label} must be ${min}–${max}`));

export const AlertRoutesInputSchema = z.object({
  scoreDropPoints: count("Score drop points", 1, 100),
  staleDays: count("Stale days", 1, 90),
});

async function upsertSettings(db: Db, actor: Actor, set: Partial<typeof alertSettings.$inferInsert>) {
  const row = { ...set, updatedBy: actor.name, updatedAt: new Date() };
  await db
    .insert(alertSettings)
    .values({ id: 1, ...row })
    .onConflictDoUpdate({ target: alertSettings.id, set: row });
}

/** Saves the kinds × channels matrix (checkboxes named `route:<row>:<channel>`) and the thresholds. */
export async function saveAlertRoutes(db: Db, actor: Actor, form: FormData) {
  const input = parseInput(AlertRoutesInputSchema, {
    scoreDropPoints: form.get("scoreDropPoints") ?? undefined,
    staleDays: form.get("staleDays") ?? undefined,
  });
  // A checkbox the page never drew (an unknown kind or channel) is a forged or stale form, not an "off".
  const known = new Set(ROUTE_ROWS.flatMap((row) => CHANNELS.map((c) => `route:${row}:${c}`)));
  const unknown = [...form.keys()].filter((k) => k.startsWith("route:") && !known.has(k));
  if (unknown.length > 0) throw new InputError({ form: `Unknown alert kind or channel: ${unknown[0]!.slice(0, 60)}` });
  const routes = Object.fromEntries(
    ROUTE_ROWS.map((row) => [row, Object.fromEntries(CHANNELS.map((c) => [c, form.get(`route:${row}:${c}`) === "on"]))]),
  ) as AlertRoutes;
  await upsertSettings(db, actor, { routes, ...input });
  await recordAudit(db, actor, "alerts.routes", "alert_settings", 1, { routes, ...input });
}

/** Sets (or with an empty value, removes) the team Slack webhook saved in Settings. */
export async function saveTeamSlack(db: Db, actor: Actor, raw: string, options: { secretKey: Buffer; allowPrivate: boolean }) {
  const value = raw.trim();
  if (!value) {
    await upsertSettings(db, actor, { teamSlackEncrypted: null, teamSlackHint: null });
    await recordAudit(db, actor, "alerts.slack.remove", "alert_settings", 1);
    return null;
  }
  const checked = checkWebhookUrl(value, { allowPrivate: options.allowPrivate });
  if (!checked.ok) throw new InputError({ teamSlack: checked.message });
  const hint = webhookHint(checked.url);
  await upsertSettings(db, actor, { teamSlackEncrypted: sealSecret(checked.url, options.secretKey), teamSlackHint: hint });
  await db.delete(alertChannelStatus).where(eq(alertChannelStatus.channel, "slack:team"));
  await recordAudit(db, actor, "alerts.slack.set", "alert_settings", 1, { webhook: hint });
  return hint;
}

/** A channel marked broken, for Settings; only while the address that broke is still the one in use. */
export async function channelProblems(db: Db, current: Record<string, string | null>) {
  const rows = await db.select().from(alertChannelStatus);
  return rows
    .filter((r) => current[r.channel] !== undefined && current[r.channel] !== null && fingerprint(current[r.channel]!) === r.fingerprint)
    .map((r) => ({ channel: r.channel, since: r.brokenAt.toISOString(), reason: r.reason }));
}

/** "Try again": forget that a channel is broken (after fixing the webhook or the SMTP account). */
export async function resetChannel(db: Db, actor: Actor, channel: string) {
  await db.delete(alertChannelStatus).where(eq(alertChannelStatus.channel, channel));
  await recordAudit(db, actor, "alerts.channel.reset", "alert_channel_status", channel);
}

export type UserAlertPreferences = { email: boolean; emailAddress: string | null; digest: boolean; slackHint: string | null };

export async function userPreferences(db: Db, userId: number): Promise<UserAlertPreferences> {
  const [row] = await db.select().from(alertPreferences).where(eq(alertPreferences.userId, userId));
  return {
    email: row?.email ?? true,
    emailAddress: row?.emailAddress ?? null,
    digest: row?.digest ?? true,
    slackHint: row?.slackHint ?? null,
  };
}

export const PreferencesInputSchema = z.object({
  email: z.boolean(),
  digest: z.boolean(),
  emailAddress: z
    .string()
    .trim()
    .max(254, "Keep the address under 254 characters")
    .transform((v) => v || null)
    .pipe(z.string().email("Enter an e-mail address like name@example.com").nullable()),
  slack: z.string().trim().max(500, "That is too long for a webhook URL"),
  removeSlack: z.boolean(),
});

/** Each user's own choices; the Slack webhook is sealed like PostHog keys and shown only as a hint. */
export async function saveUserPreferences(
  db: Db,
  user: { id: number; email: string },
  raw: Record<string, unknown>,
  options: { secretKey: Buffer; allowPrivate: boolean },
) {
  const input = parseInput(PreferencesInputSchema, raw);
  const row: Partial<typeof alertPreferences.$inferInsert> = {
    email: input.email,
    digest: input.digest,
    emailAddress: input.emailAddress,
    updatedAt: new Date(),
  };
  if (input.removeSlack) Object.assign(row, { slackEncrypted: null, slackHint: null });
  else if (input.slack) {
    const checked = checkWebhookUrl(input.slack, { allowPrivate: options.allowPrivate });
    if (!checked.ok) throw new InputError({ slack: checked.message });
    Object.assign(row, { slackEncrypted: sealSecret(checked.url, options.secretKey), slackHint: webhookHint(checked.url) });
    await db.delete(alertChannelStatus).where(eq(alertChannelStatus.channel, `slack:user:${user.id}`));
  }
  await db
    .insert(alertPreferences)
    .values({ userId: user.id, ...row })
    .onConflictDoUpdate({ target: alertPreferences.userId, set: row });
  await recordAudit(db, { id: user.id, name: user.email }, "alerts.preferences", "user", user.id, {
    email: input.email,
    digest: input.digest,
    emailAddress: input.emailAddress,
    slack: input.removeSlack ? "removed" : input.slack ? (row.slackHint ?? null) : "unchanged",
  });
}

/** A user's own Slack webhook, opened (for sending and for matching a broken-channel record). */
export async function personalSlackUrl(db: Db, userId: number, secretKey: Buffer): Promise<string | null> {
  const [row] = await db
    .select({ slack: alertPreferences.slackEncrypted })
    .from(alertPreferences)
    .where(eq(alertPreferences.userId, userId));
  return row?.slack ? openSecret(row.slack, secretKey) : null;
}

/** Where an owner's alerts go: their address (or none), their Slack webhook, their digest choice. */
export async function ownerChannels(db: Db, userIds: number[], secretKey: Buffer) {
  if (userIds.length === 0) return new Map<number, OwnerChannels>();
  const rows = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      disabledAt: users.disabledAt,
      prefEmail: alertPreferences.email,
      emailAddress: alertPreferences.emailAddress,
      digest: alertPreferences.digest,
      slackEncrypted: alertPreferences.slackEncrypted,
    })
    .from(users)
    .leftJoin(alertPreferences, eq(alertPreferences.userId, users.id))
    .where(inArray(users.id, userIds));
  return new Map(
    rows
      .filter((r) => !r.disabledAt)
      .map((r): [number, OwnerChannels] => [
        r.id,
        {
          id: r.id,
          name: r.name,
          email: r.prefEmail === false ? null : (r.emailAddress ?? r.email),
          digest: r.digest ?? true,
          slackUrl: r.slackEncrypted ? openSecret(r.slackEncrypted, secretKey) : null,
        },
      ]),
  );
}
export type OwnerChannels = { id: number; name: string; email: string | null; digest: boolean; slackUrl: string | null };
