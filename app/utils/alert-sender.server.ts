import { and, asc, eq, inArray, isNull, min, or, sql } from "drizzle-orm";
import { type AlertKind, isAlertKind } from "../../checks/alerts/kinds";
import { holderId, isDeadLocalHolder } from "../../checks/refresh-lock";
import type { Db } from "../../db/client";
import { alertChannelStatus, alertDeliveries, alertSettings, alerts, customers } from "../../db/schema";
import { digestDue, digestEntries, weekOf } from "../models/alert-digest.server";
import { loadAlertSettings, ownerChannels, personalSlackUrl, type TeamAlertSettings, teamSlackUrl } from "../models/alert-settings.server";
import { isSilenced } from "../models/alerts.server";
import type { Channels, SendOutcome } from "./alert-channels.server";
import { type EmailPayload, emailAlert, emailDigest, type SlackPayload, slackAlert, slackDigest } from "./alert-render";
import { appUrl, type Config } from "./env.server";
import { fingerprint } from "./webhook-url.server";

/*
 * Delivers alerts and digests through the outbox. Three steps, each safe to repeat and to run in
 * several processes at once:
 *  1. plan: every alert not yet planned becomes one delivery row per channel it is routed to
 *     (unique idempotency key per alert and channel), in one transaction with marking it planned;
 *  2. digests: the first run of a week (from Monday 08:00 UTC) queues each owner's digest;
 *  3. deliver: rows are claimed one at a time (status `sending`, who, when), sent, then marked.
 *     A process killed between sending and marking leaves the row claimed; it is sent again once
 *     its holder is known dead (same machine) or its claim is 10 minutes old — so a crash sends
 *     a message at most one extra time per alert and channel.
 * Retries are bounded: Slack's 429 waits its Retry-After, 5xx and time-outs back off
 * (1 s, 2 s, 4 s … up to 8 attempts), and an answer that says the channel itself is wrong
 * marks the channel broken (shown in Settings) instead of trying forever.
 */

export const MAX_ATTEMPTS = 8;
const MAX_BACKOFF_MS = 5 * 60_000;
const CLAIM_LEASE_MS = 10 * 60_000;
const PLAN_BATCH = 200;

export type SenderDeps = {
  db: Db;
  config: Config;
  secretKey: Buffer;
  channels: Channels;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Called once per alert when it is planned (the team's PostHog). */
  onAlert?: (alert: { id: number; kind: AlertKind; slug: string; name: string; message: string; raisedAt: Date }) => void;
};

export type DeliveryReport = {
  id: number;
  alertId: number | null;
  channel: string;
  target: string;
  status: "sent" | "pending" | "failed" | "skipped";
  attempts: number;
  text: string;
  error: string | null;
};

export type SendReport = { planned: number; digests: number; deliveries: DeliveryReport[] };

export const backoffMs = (attempts: number) => Math.min(1000 * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);

type NewDelivery = typeof alertDeliveries.$inferInsert;

function slackRow(key: string, target: string, payload: SlackPayload, alertId: number | null, now: Date): NewDelivery {
  return { alertId, channel: "slack", target, idempotencyKey: key, payload, nextAttemptAt: now };
}
function emailRow(key: string, payload: EmailPayload, alertId: number | null, now: Date): NewDelivery {
  return { alertId, channel: "email", target: payload.to, idempotencyKey: key, payload, nextAttemptAt: now };
}

/** Step 1: deliveries for every alert not yet planned. Returns how many alerts were planned. */
export async function planDeliveries(deps: SenderDeps): Promise<number> {
  const { db, config } = deps;
  const now = deps.now?.() ?? new Date();
  let planned = 0;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const rows = await tx
        .select({
          id: alerts.id,
          kind: alerts.kind,
          message: alerts.message,
          raisedAt: alerts.raisedAt,
          slug: customers.slug,
          name: customers.name,
          ownerId: customers.ownerId,
          archivedAt: customers.archivedAt,
        })
        .from(alerts)
        .innerJoin(customers, eq(customers.id, alerts.customerId))
        .where(isNull(alerts.plannedAt))
        .orderBy(asc(alerts.id))
        .limit(PLAN_BATCH)
        .for("update", { of: alerts, skipLocked: true });
      if (rows.length === 0) return [];
      const settings = await loadAlertSettings(tx);
      const team = teamSlackUrl(config, settings, deps.secretKey);
      const owners = await ownerChannels(tx, [...new Set(rows.flatMap((r) => (r.ownerId ? [r.ownerId] : [])))], deps.secretKey);
      const values: NewDelivery[] = [];
      for (const r of rows) {
        // Archived customers are out of the book: the inbox hides their alerts, so no channel
        // gets them either (they are still marked planned, never sent after an unarchive).
        if (!isAlertKind(r.kind) || r.archivedAt) continue;
        const route = settings.routes[r.kind];
        const owner = r.ownerId ? owners.get(r.ownerId) : undefined;
        const alert = { id: r.id, kind: r.kind, message: r.message, slug: r.slug, customerName: r.name };
        const slack = slackAlert(alert, appUrl(config));
        if (route.slackTeam && team) values.push(slackRow(`alert:${r.id}:slack:team`, "team", slack, r.id, now));
        if (route.slackOwner && owner?.slackUrl)
          values.push(slackRow(`alert:${r.id}:slack:user:${owner.id}`, `user:${owner.id}`, slack, r.id, now));
        if (route.email && owner?.email && deps.channels.emailEnabled) {
          values.push(emailRow(`alert:${r.id}:email:${owner.id}`, emailAlert(alert, owner.email, appUrl(config)), r.id, now));
        }
      }
      if (values.length) await tx.insert(alertDeliveries).values(values).onConflictDoNothing();
      await tx
        .update(alerts)
        .set({ plannedAt: now })
        .where(
          inArray(
            alerts.id,
            rows.map((r) => r.id),
          ),
        );
      return rows;
    });
    for (const r of batch) if (isAlertKind(r.kind) && !r.archivedAt) deps.onAlert?.({ ...r, kind: r.kind });
    planned += batch.length;
    if (batch.length < PLAN_BATCH) return planned;
  }
}

/** Step 2: this week's digests, queued once for the whole team (whoever flips the week first). */
export async function queueDigests(deps: SenderDeps, options: { force?: boolean } = {}): Promise<number> {
  const { db, config } = deps;
  const now = deps.now?.() ?? new Date();
  if (!options.force && !digestDue(now)) return 0;
  const week = weekOf(now);
  return db.transaction(async (tx) => {
    await tx.insert(alertSettings).values({ id: 1 }).onConflictDoNothing();
    const [won] = await tx
      .update(alertSettings)
      .set({ digestWeek: week })
      .where(and(eq(alertSettings.id, 1), or(isNull(alertSettings.digestWeek), sql`${alertSettings.digestWeek} <> ${week}`)))
      .returning({ id: alertSettings.id });
    if (!won && !options.force) return 0;
    const settings = await loadAlertSettings(tx);
    const route = settings.routes.digest;
    const team = teamSlackUrl(config, settings, deps.secretKey);
    const entries = await digestEntries(tx, now);
    const owners = await ownerChannels(tx, [...entries.keys()], deps.secretKey);
    const values: NewDelivery[] = [];
    for (const [ownerId, list] of entries) {
      const owner = owners.get(ownerId);
      if (!owner?.digest) continue;
      const digest = { owner: owner.name, weekOf: week, entries: list };
      const key = `digest:${week}:${ownerId}`;
      const slack = slackDigest(digest, appUrl(config));
      if (route.slackTeam && team) values.push(slackRow(`${key}:slack:team`, "team", slack, null, now));
      if (route.slackOwner && owner.slackUrl) values.push(slackRow(`${key}:slack:user:${ownerId}`, `user:${ownerId}`, slack, null, now));
      if (route.email && owner.email && deps.channels.emailEnabled) {
        values.push(emailRow(`${key}:email`, emailDigest(digest, owner.email, appUrl(config)), null, now));
      }
    }
    if (values.length) await tx.insert(alertDeliveries).values(values).onConflictDoNothing();
    return values.length;
  });
}

/** Claims left by a process that died on this machine go back to pending at once. */
async function releaseDeadClaims(db: Db) {
  const claimed = await db
    .selectDistinct({ claimedBy: alertDeliveries.claimedBy })
    .from(alertDeliveries)
    .where(eq(alertDeliveries.status, "sending"));
  const dead = claimed.map((c) => c.claimedBy).filter((h): h is string => !!h && isDeadLocalHolder(h));
  if (dead.length === 0) return;
  await db
    .update(alertDeliveries)
    .set({ status: "pending", claimedBy: null })
    .where(and(eq(alertDeliveries.status, "sending"), inArray(alertDeliveries.claimedBy, dead)));
}

async function claimNext(db: Db, holder: string, now: Date) {
  const leaseOver = new Date(now.getTime() - CLAIM_LEASE_MS);
  const [row] = await db
    .update(alertDeliveries)
    .set({ status: "sending", claimedBy: holder, claimedAt: now, attempts: sql`${alertDeliveries.attempts} + 1` })
    .where(
      eq(
        alertDeliveries.id,
        sql`(select id from alert_deliveries where (status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz)
          or (status = 'sending' and claimed_at < ${leaseOver.toISOString()}::timestamptz)
          order by id limit 1 for update skip locked)`,
      ),
    )
    .returning();
  return row ?? null;
}

type Claimed = NonNullable<Awaited<ReturnType<typeof claimNext>>>;

/** The address a delivery goes to now, and the channel name its broken state is kept under. */
async function resolve(deps: SenderDeps, d: Claimed, settings: TeamAlertSettings): Promise<{ channel: string; address: string | null }> {
  if (d.channel === "email") return { channel: "email", address: deps.config.DELIGHT_SMTP_URL ?? null };
  if (d.target === "team") return { channel: "slack:team", address: teamSlackUrl(deps.config, settings, deps.secretKey) };
  const userId = Number(d.target.slice("user:".length));
  return { channel: `slack:user:${userId}`, address: await personalSlackUrl(deps.db, userId, deps.secretKey) };
}

async function brokenSince(db: Db, channel: string, address: string) {
  const [row] = await db.select().from(alertChannelStatus).where(eq(alertChannelStatus.channel, channel));
  return row && row.fingerprint === fingerprint(address) ? row : null;
}

async function finish(db: Db, d: Claimed, holder: string, set: Partial<typeof alertDeliveries.$inferInsert>) {
  await db
    .update(alertDeliveries)
    .set({ claimedBy: null, ...set })
    .where(and(eq(alertDeliveries.id, d.id), eq(alertDeliveries.claimedBy, holder)));
}

async function deliverOne(deps: SenderDeps, d: Claimed, holder: string, settings: TeamAlertSettings): Promise<DeliveryReport> {
  const now = deps.now?.() ?? new Date();
  const text = d.channel === "email" ? String((d.payload as EmailPayload).subject) : String((d.payload as SlackPayload).text);
  const report = (status: DeliveryReport["status"], error: string | null): DeliveryReport => ({
    id: d.id,
    alertId: d.alertId,
    channel: d.channel,
    target: d.channel === "email" ? d.target : `slack ${d.target}`,
    status,
    attempts: d.attempts,
    text,
    error,
  });
  if (d.alertId) {
    const [alert] = await deps.db.select({ customerId: alerts.customerId, kind: alerts.kind }).from(alerts).where(eq(alerts.id, d.alertId));
    if (alert && (await isSilenced(deps.db, alert.customerId, alert.kind, now))) {
      await finish(deps.db, d, holder, { status: "skipped", lastError: "snoozed or muted" });
      return report("skipped", "snoozed or muted");
    }
  }
  const { channel, address } = await resolve(deps, d, settings);
  if (!address) {
    await finish(deps.db, d, holder, { status: "skipped", lastError: "the channel was removed" });
    return report("skipped", "the channel was removed");
  }
  const broken = await brokenSince(deps.db, channel, address);
  if (broken) {
    const error = `channel broken since ${broken.brokenAt.toISOString().slice(0, 16)}: ${broken.reason}`;
    await finish(deps.db, d, holder, { status: "failed", lastError: error });
    return report("failed", error);
  }

  const outcome: SendOutcome =
    d.channel === "email"
      ? await deps.channels.email(d.payload as EmailPayload, d.idempotencyKey)
      : await deps.channels.slack(address, d.payload as SlackPayload, d.idempotencyKey);
  const after = deps.now?.() ?? new Date();
  switch (outcome.kind) {
    case "sent":
      await finish(deps.db, d, holder, { status: "sent", sentAt: after, lastError: null });
      return report("sent", null);
    case "broken":
      await deps.db
        .insert(alertChannelStatus)
        .values({ channel, fingerprint: fingerprint(address), brokenAt: after, reason: outcome.error })
        .onConflictDoUpdate({
          target: alertChannelStatus.channel,
          set: { fingerprint: fingerprint(address), brokenAt: after, reason: outcome.error },
        });
      await finish(deps.db, d, holder, { status: "failed", lastError: outcome.error });
      return report("failed", outcome.error);
    case "failed":
      await finish(deps.db, d, holder, { status: "failed", lastError: outcome.error });
      return report("failed", outcome.error);
    default: {
      if (d.attempts >= MAX_ATTEMPTS) {
        const error = `gave up after ${d.attempts} attempts: ${outcome.error}`;
        await finish(deps.db, d, holder, { status: "failed", lastError: error });
        return report("failed", error);
      }
      const wait = outcome.kind === "wait" ? outcome.ms : backoffMs(d.attempts);
      await finish(deps.db, d, holder, { status: "pending", nextAttemptAt: new Date(after.getTime() + wait), lastError: outcome.error });
      return report("pending", outcome.error);
    }
  }
}

/**
 * Plans, queues digests and delivers everything due. With `waitMs`, keeps going through retries
 * that fall due within that long (the CLI for cron); without, leaves them to the next run (the
 * server runs this every few seconds).
 */
export async function sendAlerts(
  deps: SenderDeps,
  options: { waitMs?: number; digest?: "due" | "now" | "skip" } = {},
): Promise<SendReport> {
  const now = () => deps.now?.() ?? new Date();
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const planned = await planDeliveries(deps);
  const digests = options.digest === "skip" ? 0 : await queueDigests(deps, { force: options.digest === "now" });
  await releaseDeadClaims(deps.db);
  const holder = holderId();
  const started = now().getTime();
  const latest = new Map<number, DeliveryReport>();
  const settings = await loadAlertSettings(deps.db);
  for (;;) {
    const claimed = await claimNext(deps.db, holder, now());
    if (claimed) {
      const result = await deliverOne(deps, claimed, holder, settings);
      latest.set(result.id, result);
      continue;
    }
    if (!options.waitMs) break;
    const [next] = await deps.db
      .select({ at: min(alertDeliveries.nextAttemptAt) })
      .from(alertDeliveries)
      .where(eq(alertDeliveries.status, "pending"));
    if (!next?.at) break;
    const wait = Math.max(0, next.at.getTime() - now().getTime());
    if (now().getTime() + wait - started > options.waitMs) break;
    await sleep(wait);
  }
  return { planned, digests, deliveries: [...latest.values()] };
}

/** Deliveries still waiting (for the CLI's summary line). */
export async function pendingCount(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(alertDeliveries)
    .where(or(eq(alertDeliveries.status, "pending"), eq(alertDeliveries.status, "sending")));
  return row?.n ?? 0;
}
