import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, test } from "vitest";
import { rowsOf } from "../../db/rows";
import { seedCustomers, seedHealth, seedUser } from "../factories";
import { setupTestApp } from "../setup/test-app";

/*
 * The ready row keeps its wide values (summary, alert signals) apart from the heap row, so scans
 * of the book read ~250 bytes a customer instead of ~1.5 KB (migration 0026), while what a page
 * reads from each row it shows (sparkline, name, owner) stays inline even for a long name.
 */

const app = setupTestApp();
const LONG = "Northwind Traders International Holdings and Subsidiaries Ltd";
let customerId: number;

beforeAll(async () => {
  const owner = await seedUser(app.ctx.db, { email: "owner@example.com", name: "An Owner With A Rather Long Display Name" });
  const [customer] = await seedCustomers(app.ctx.db, app.ctx.secretKey, [{ name: LONG, ownerId: owner.id }]);
  customerId = customer!.id;
  const day = 86_400_000;
  await seedHealth(app.ctx.db, customerId, {
    history: Array.from({ length: 60 }, (_, i) => ({ at: new Date(Date.now() - (60 - i) * day), score: 40 + ((i * 7) % 50) })),
  });
});

describe(`the ready row's storage (${process.env.DELIGHT_TEST_DB})`, () => {
  test("the table asks for small rows; what a page reads from every row is kept inline", async () => {
    const [table] = rowsOf<{ options: string[] | null }>(
      await app.ctx.db.execute(sql`select reloptions as options from pg_class where oid = 'current_health'::regclass`),
    );
    expect(table!.options).toContain("toast_tuple_target=128");
    const storage = rowsOf<{ name: string; storage: string }>(
      await app.ctx.db.execute(sql`
        select attname as name, attstorage as storage from pg_attribute
        where attrelid = 'current_health'::regclass and attname in ('summary', 'signals', 'sparkline', 'customer_name', 'owner_name')
        order by attname`),
    );
    expect(Object.fromEntries(storage.map((s) => [s.name, s.storage]))).toEqual({
      customer_name: "m",
      owner_name: "m",
      signals: "x",
      sparkline: "m",
      summary: "x",
    });
  });

  test("summary and signals are stored apart; sparkline, name and owner in the row", async () => {
    // The database is this file's own, so its TOAST table holds this one row's values: the
    // assessment's state (always apart, ~5 KB), the summary and the signals. A sparkline, name or
    // owner sent apart would make it four or more; summary and signals kept inline, one.
    const [toast] = rowsOf<{ name: string }>(
      await app.ctx.db.execute(sql`select reltoastrelid::regclass::text as name from pg_class where oid = 'current_health'::regclass`),
    );
    const [apart] = rowsOf<{ n: number }>(
      await app.ctx.db.execute(sql`select count(distinct chunk_id)::int as n from ${sql.raw(toast!.name)}`),
    );
    expect(apart!.n).toBe(3);
    // Which value is where can be asked of PostgreSQL 17 (pg_column_toast_chunk_id), which the
    // embedded database always is.
    const [{ version }] = rowsOf<{ version: number }>(
      await app.ctx.db.execute(sql`select current_setting('server_version_num')::int as version`),
    ) as [{ version: number }];
    if (process.env.DELIGHT_TEST_DB === "pglite") expect(version).toBeGreaterThanOrEqual(170000);
    if (version < 170000) return;
    const [row] = rowsOf<Record<string, boolean | string>>(
      await app.ctx.db.execute(sql`
        select customer_name,
          pg_column_toast_chunk_id(summary) is not null as summary_apart,
          pg_column_toast_chunk_id(signals) is not null as signals_apart,
          pg_column_toast_chunk_id(sparkline) is not null as sparkline_apart,
          pg_column_toast_chunk_id(customer_name) is not null as name_apart,
          pg_column_toast_chunk_id(owner_name) is not null as owner_apart
        from current_health where customer_id = ${customerId}`),
    );
    expect(row).toEqual({
      customer_name: LONG,
      summary_apart: true,
      signals_apart: true,
      sparkline_apart: false,
      name_apart: false,
      owner_apart: false,
    });
  });
});
