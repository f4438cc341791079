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
