import { and, asc, desc, eq, lt, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { auditLog } from "../../db/schema";

/** Who did something: a signed-in user, or the CLI on behalf of one (or of nobody). */
export type Actor = { id: number | null; name: string };

export const CLI_ACTOR: Actor = { id: null, name: "cli" };

/** Callers pass field names and new values only; secrets never reach this table. */
export async function recordAudit(
  db: Db,
  actor: Actor,
  action: string,
  entity: string,
  entityId: string | number | null,
  details: Record<string, unknown> = {},
) {
  await db.insert(auditLog).values({
    actorId: actor.id,
    actor: actor.name,
    action,
    entity,
    entityId: entityId === null ? null : String(entityId),
    details,
  });
}

export const AUDIT_PAGE_SIZE = 50;

export type AuditFilters = {
  /** Actions by this user, or done to their account. */
  userId?: number;
  customerId?: number;
  action?: string;
  /** Show entries older than this id (the "older" link). */
  before?: number;
};

/** The audit log, newest first, one page at a time. */
export async function listAudit(db: Db, filters: AuditFilters = {}, limit = AUDIT_PAGE_SIZE) {
  const where = and(
    filters.userId
      ? or(eq(auditLog.actorId, filters.userId), and(eq(auditLog.entity, "user"), eq(auditLog.entityId, String(filters.userId))))
      : undefined,
    filters.customerId ? and(eq(auditLog.entity, "customer"), eq(auditLog.entityId, String(filters.customerId))) : undefined,
    filters.action ? eq(auditLog.action, filters.action) : undefined,
    filters.before ? lt(auditLog.id, filters.before) : undefined,
  );
  const rows = await db
    .select()
    .from(auditLog)
    .where(where)
    .orderBy(desc(auditLog.id))
    .limit(limit + 1);
  return { entries: rows.slice(0, limit), more: rows.length > limit };
}

/** Every action the log holds, for the filter's list. */
export async function auditActions(db: Db): Promise<string[]> {
  const rows = await db.selectDistinct({ action: auditLog.action }).from(auditLog).orderBy(asc(auditLog.action));
  return rows.map((r) => r.action);
}
