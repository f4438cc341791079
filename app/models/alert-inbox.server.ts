import { z } from "zod";
import { ALERT_KIND_INFO, ALERT_KINDS, isAlertKind } from "../../checks/alerts/kinds";
import type { Db } from "../../db/client";
import { InputError, parseInput, rowId } from "../utils/validation.server";
import {
  ALERTS_PAGE_SIZE,
  AlertNotFound,
  acknowledgeAlert,
  listAlertPage,
  listSilences,
  SILENCES_SHOWN,
  silenceAlert,
  unreadCount,
  unsilence,
} from "./alerts.server";
import type { Actor } from "./audit.server";

/*
 * The inbox page's view model and its actions. Times are text in UTC so the server HTML and the
 * hydrated page agree.
 */

const stamp = (d: Date) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;

const InboxParamsSchema = z.object({
  scope: z.enum(["mine", "all"]).optional().catch(undefined),
  view: z.enum(["open", "history"]).default("open").catch("open"),
  kind: z.string().refine(isAlertKind).optional().catch(undefined),
  before: z.coerce.number().int().positive().max(2_147_483_647).optional().catch(undefined),
  /** Every snooze and mute, not just the first SILENCES_SHOWN (asked for by a link). */
  silences: z.literal("all").optional().catch(undefined),
});

export async function inboxView(db: Db, user: { id: number }, search: URLSearchParams, now = new Date()) {
  const params = InboxParamsSchema.parse(Object.fromEntries(search));
  const unread = await unreadCount(db, user.id, now);
  // Someone who owns customers starts with theirs; everyone can look at the whole team's.
  const scope = params.scope ?? unread.scope;
  // A team with thousands of open alerts sees them fifty at a time, not the newest few hundred
  // with nothing to say that more follow.
  const { alerts: rows, next } = await listAlertPage(
    db,
    { all: params.view === "history", kind: params.kind, before: params.before },
    { now, ownerId: scope === "mine" ? user.id : undefined, limit: ALERTS_PAGE_SIZE },
  );
  const { silences, total: silenceCount } = await listSilences(db, now, params.silences === "all" ? null : SILENCES_SHOWN);
  return {
    filters: { scope, view: params.view, kind: params.kind ?? null },
    /** Whether this is a later page, and the cursor of the next one (null on the last). */
    paged: params.before !== undefined,
    older: next,
    unread: unread.count,
    kinds: ALERT_KINDS.map((k) => ({ id: k, label: ALERT_KIND_INFO[k].label })),
    alerts: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      label: isAlertKind(r.kind) ? ALERT_KIND_INFO[r.kind].label : r.kind,
      message: r.message,
      slug: r.slug,
      customerName: r.customerName,
      customerId: r.customerId,
      raisedAt: stamp(r.raisedAt),
      clearedAt: r.clearedAt ? stamp(r.clearedAt) : null,
      acknowledged: r.acknowledgedAt ? { at: stamp(r.acknowledgedAt), by: r.acknowledgedBy ?? "" } : null,
      silence: r.silence ? { until: r.silence.until ? stamp(r.silence.until) : null } : null,
    })),
    /** Every snooze and mute in force; `silences` lists the first SILENCES_SHOWN by customer name. */
    silenceCount,
    silences: silences.map((s) => ({
      customerId: s.customerId,
      slug: s.slug,
      customerName: s.customerName,
      kind: s.kind,
      label: isAlertKind(s.kind) ? ALERT_KIND_INFO[s.kind].label : s.kind,
      until: s.until ? stamp(s.until) : null,
      by: s.createdBy,
    })),
  };
}
export type InboxView = Awaited<ReturnType<typeof inboxView>>;

const InboxActionSchema = z.discriminatedUnion(
  "intent",
  [
    z.object({ intent: z.enum(["ack", "snooze-7", "snooze-30", "mute"]), id: rowId("Alert") }),
    z.object({
      intent: z.literal("unmute"),
      customerId: rowId("Customer"),
      kind: z.string().refine(isAlertKind, "Unknown alert kind"),
    }),
  ],
  { errorMap: (issue, ctx) => ({ message: issue.code === "invalid_union_discriminator" ? "Unknown action" : ctx.defaultError }) },
);

/** Runs one inbox button; returns what to tell the user. */
export async function runInboxAction(db: Db, actor: Actor, raw: Record<string, unknown>, now = new Date()): Promise<string> {
  const input = parseInput(InboxActionSchema, raw);
  try {
    if (input.intent === "unmute") {
      if (!(await unsilence(db, actor, input.customerId, input.kind)))
        throw new InputError({ form: "That customer has no snooze or mute of that kind" });
      return `${ALERT_KIND_INFO[input.kind as keyof typeof ALERT_KIND_INFO].label} alerts are back on for that customer`;
    }
    if (input.intent === "ack") {
      await acknowledgeAlert(db, actor, input.id, now);
      return "Acknowledged";
    }
    const days = input.intent === "snooze-7" ? 7 : input.intent === "snooze-30" ? 30 : null;
    const silence = await silenceAlert(db, actor, input.id, days, now);
    const label = isAlertKind(silence.kind) ? ALERT_KIND_INFO[silence.kind].label : silence.kind;
    return days === null ? `Muted "${label}" for this customer` : `Snoozed "${label}" for this customer until ${stamp(silence.until!)}`;
  } catch (error) {
    // A stale page (the alert went with its customer) or a forged id: refused, nothing written.
    if (error instanceof AlertNotFound) throw new InputError({ id: "That alert no longer exists" });
    throw error;
  }
}
