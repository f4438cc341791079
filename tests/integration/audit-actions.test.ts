import { type SQL, sql } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { auditActions, CLI_ACTOR, recordAudit } from "../../app/models/audit.server";
import type { Db } from "../../db/client";
import { rowsOf } from "../../db/rows";
import { setupTestApp } from "../setup/test-app";

/*
 * The audit page's action list, read on every view: the same sorted distinct list as `select
 * distinct`, without reading the whole log.
 */

const app = setupTestApp();

const plainDistinct = async () =>
  rowsOf<{ action: string }>(await app.ctx.db.execute(sql`select distinct action from audit_log order by action`)).map((r) => r.action);

describe(`the audit log's actions (${process.env.DELIGHT_TEST_DB})`, () => {
  test("an empty log has none", async () => {
    await app.ctx.db.execute(sql`delete from audit_log`);
    expect(await auditActions(app.ctx.db)).toEqual([]);
  });

  test("a log with repeated actions gives each once, in the order select distinct … order by gives", async () => {
    // Close neighbours in any collation: a prefix, "_" against ".", upper case, a repeat at either end.
    const actions = ["user.role", "customer.update", "user.reset_password", "user_x.y", "a.b", "user.role_x", "Z.z", "zz.z", "user.Role"];
    for (let i = 0; i < 120; i++) {
      await recordAudit(app.ctx.db, CLI_ACTOR, actions[(i * 7) % actions.length]!, "customer", i);
    }
    const expected = await plainDistinct();
    expect(expected).toHaveLength(actions.length);
    expect(await auditActions(app.ctx.db)).toEqual(expected);
  });

  test("read from the action index, not a scan of the log", async () => {
    await app.ctx.db.execute(sql`
      insert into audit_log (actor, action, entity, entity_id)
      select 'cli', 'customer.update', 'customer', i::text from generate_series(1, 5000) i`);
    await app.ctx.db.execute(sql`analyze audit_log`);
    // The statement auditActions runs, caught on its way to the database, then explained.
    const ran: SQL[] = [];
    const recording = {
      execute: (query: SQL) => {
        ran.push(query);
        return app.ctx.db.execute(query);
      },
    } as unknown as Db;
    expect(await auditActions(recording)).toEqual(await plainDistinct());
    expect(ran).toHaveLength(1);
    const plan = rowsOf<Record<string, string>>(await app.ctx.db.execute(sql`explain ${ran[0]}`))
      .map((r) => Object.values(r)[0])
      .join("\n");
    expect(plan).toContain("audit_log_action_idx");
    expect(plan).not.toMatch(/Seq Scan on audit_log/);
  });
});
