import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rowsOf } from "../../db/rows";
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

/*
 * The audit page lists the log's actions on every view and the log only grows, so instead of
 * `select distinct` (which reads every entry) this hops through audit_log_action_idx from each
 * action to the next: one index probe per distinct action, a few dozen, however long the log.
 */
const AUDIT_ACTIONS = sql`
  with recursive actions (action) as (
    (select ${auditLog.action} from ${auditLog} order by ${auditLog.action} limit 1)
    union all
    select (select ${auditLog.action} from ${auditLog} where ${auditLog.action} > actions.action order by ${auditLog.action} limit 1)
    from actions
    where actions.action is not null
  )
  select action from actions where action is not null order by action`;

/** Every action the log holds, sorted, for the filter's list. */
export async function auditActions(db: Db): Promise<string[]> {
  return rowsOf<{ action: string }>(await db.execute(AUDIT_ACTIONS)).map((r) => r.action);
}
