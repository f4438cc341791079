import { sql } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { createCustomer, getCustomer, updateCustomer } from "../../app/models/customers.server";
import { createPlan } from "../../app/models/plans.server";
import { createApiToken } from "../../app/models/tokens.server";
import { createUser } from "../../app/models/users.server";
import { auditLog, customers } from "../../db/schema";
import { openSecret } from "../../db/secrets";
import { rowsOf, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
const KEY = "phx_TopSecretPersonalKey0123456789abcdef";

async function dumpEverything(): Promise<string> {
  const rows = rowsOf<{ table_schema: string; table_name: string }>(
    await app.ctx.db.execute(
      sql`select table_schema, table_name from information_schema.tables where table_schema in ('public', 'drizzle') and table_type = 'BASE TABLE'`,
    ),
  );
  expect(rows.length).toBeGreaterThanOrEqual(15);
  let dump = "";
  for (const t of rows) {
    const list = rowsOf<{ j: string }>(
      await app.ctx.db.execute(sql.raw(`select row_to_json(t)::text as j from "${t.table_schema}"."${t.table_name}" t`)),
    );
    dump += list.map((r) => r.j).join("\n");
  }
  return dump;
}

describe(`storage (${process.env.DELIGHT_TEST_DB})`, () => {
  test("applying the migrations again is a no-op", async () => {
    await app.ctx.dbHandle.migrate();
    await app.ctx.dbHandle.migrate();
    const [row] = await app.ctx.db.select({ n: sql<number>`count(*)::int` }).from(customers);
    expect(row!.n).toBe(0);
  });

  test("the plain API key appears nowhere in the database after adding and editing a customer", async () => {
    const plan = await createPlan(app.ctx.db, CLI_ACTOR, { name: "Scale", monthlyEvents: "2000000" });
    const options = { secretKey: app.ctx.secretKey, allowPrivateHosts: false };
    const created = await createCustomer(
      app.ctx.db,
      CLI_ACTOR,
      { name: "Secretive Ltd", posthogHost: "eu", projectId: "42", apiKey: KEY, planId: String(plan.id), billingDay: "15", ownerId: "" },
      options,
    );
    await updateCustomer(
      app.ctx.db,
      CLI_ACTOR,
      created.slug,
      { name: "Secretive Ltd", posthogHost: "eu", projectId: "43", apiKey: `${KEY}X`, planId: "", billingDay: "15", ownerId: "" },
      options,
    );
    const dump = await dumpEverything();
    expect(dump).toContain("Secretive Ltd");
    expect(dump).not.toContain(KEY);
    expect(dump).not.toContain(KEY.slice(4, -4));
    // The sealed value still opens with the right key: stored encrypted, not dropped.
    const [row] = await app.ctx.db.select().from(customers).where(sql`${customers.slug} = ${created.slug}`);
    expect(openSecret(row!.apiKeyEncrypted, app.ctx.secretKey)).toBe(`${KEY}X`);
    expect(row!.apiKeyLast4).toBe("defX");
  });

  test("every change lands in the audit log with who did it", async () => {
    const entries = await app.ctx.db.select().from(auditLog);
    const actions = entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["plan.create", "customer.create", "customer.update"]));
    const update = entries.find((e) => e.action === "customer.update")!;
    expect(update.actor).toBe("cli");
    expect(update.details).toMatchObject({ projectId: 43, planId: null });
    expect(JSON.stringify(update.details)).toContain("phx_…defX");
  });

  test("slugs are unique and stay the same when a customer is renamed", async () => {
    const options = { secretKey: app.ctx.secretKey, allowPrivateHosts: false };
    const input = { name: "Twin Co", posthogHost: "us", projectId: "1", apiKey: KEY, planId: "", billingDay: "1", ownerId: "" };
    const a = await createCustomer(app.ctx.db, CLI_ACTOR, input, options);
    // Same name, another PostHog project (the same project twice is refused).
    const b = await createCustomer(app.ctx.db, CLI_ACTOR, { ...input, projectId: "2" }, options);
    expect([a.slug, b.slug]).toEqual(["twin-co", "twin-co-2"]);
    await updateCustomer(app.ctx.db, CLI_ACTOR, a.slug, { ...input, apiKey: "", name: "Renamed Co" }, options);
    expect((await getCustomer(app.ctx.db, "twin-co"))?.name).toBe("Renamed Co");
  });

  test("passwords and API tokens are stored only as hashes", async () => {
    const password = "Correct-Horse-Battery-Staple-42";
    const user = await createUser(app.ctx.db, CLI_ACTOR, { email: "hash@example.com", name: "Hash", role: "csm" }, password);
    const { token } = await createApiToken(app.ctx.db, CLI_ACTOR, user.id, { name: "ci" });
    const dump = await dumpEverything();
    expect(dump).toContain("hash@example.com");
    expect(dump).not.toContain(password);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(token.slice(4));
    expect(dump).toMatch(/scrypt\$32768\$/);
  });
});
