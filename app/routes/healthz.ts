import { sql } from "drizzle-orm";
import { getDb } from "~/utils/db.server";
import { readOnlyAction } from "~/utils/read-only-route.server";
import { applySecurityHeaders } from "~/utils/security-headers.server";

/** For load balancers and the e2e harness: answers once the database is open and migrated. */
export async function loader() {
  const headers = new Headers({ "Content-Type": "application/json", "Cache-Control": "no-store" });
  applySecurityHeaders(headers);
  try {
    const db = await getDb();
    await db.execute(sql`select 1`);
    return new Response(JSON.stringify({ ok: true }), { headers });
  } catch {
    return new Response(JSON.stringify({ ok: false, error: "database unavailable" }), { status: 503, headers });
  }
}

export const action = readOnlyAction;
