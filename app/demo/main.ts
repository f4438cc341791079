/**
 * `npm run demo`: builds the app, starts the PostHog sandbox, seeds a fresh embedded database in
 * ./.data-demo with plans, users and the sandbox customers (plus 90 days of score history),
 * refreshes them for real against the sandbox, then serves the production build.
 */
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { refreshMany } from "../../checks/refresh";
import { customers } from "../../db/schema";
import { listAlerts } from "../models/alerts.server";
import { recordAnswer } from "../models/answers.server";
import { CLI_ACTOR } from "../models/audit.server";
import { recordCatchup } from "../models/catchups.server";
import { createUser } from "../models/users.server";
import { openContext } from "../utils/context.server";
import { loadConfig } from "../utils/env.server";
import { seedDemoHistory } from "./history";
import { seedSandboxCustomers } from "./posthog-sandbox/seed";
import { startSandbox } from "./posthog-sandbox/server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// Overridable so the browser tests can run the demo beside a person's own, on an existing build.
const DATA_DIR = process.env.DELIGHT_DEMO_DIR ? path.resolve(process.env.DELIGHT_DEMO_DIR) : path.join(ROOT, ".data-demo");
const PORT = process.env.PORT ?? "3000";
const ADMIN = { email: "admin@delight.demo", password: "delight-demo" };

function step(text: string) {
  console.log(`▸ ${text}`);
}

if (process.env.DELIGHT_DEMO_SKIP_BUILD !== "true") {
  step("building the app");
  const build = spawnSync(process.execPath, [path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "build"], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, VITE_CJS_IGNORE_WARNING: "true" },
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

step("starting the PostHog sandbox");
const sandbox = await startSandbox({ port: Number(process.env.DEMO_SANDBOX_PORT ?? 0) });

step(`seeding ${DATA_DIR} (recreated on every run)`);
rmSync(DATA_DIR, { recursive: true, force: true });
const env = { ...process.env, DATABASE_URL: "", DELIGHT_DATA_DIR: DATA_DIR, DELIGHT_ALLOW_PRIVATE_HOSTS: "true" };
const ctx = await openContext(loadConfig(env));
const admin = await createUser(ctx.db, CLI_ACTOR, { email: ADMIN.email, name: "Demo Admin", role: "admin" }, ADMIN.password);
const csm = await createUser(ctx.db, CLI_ACTOR, { email: "casey@delight.demo", name: "Casey CSM", role: "csm" }, ADMIN.password);
await createUser(ctx.db, CLI_ACTOR, { email: "viewer@delight.demo", name: "Vic Viewer", role: "viewer" }, ADMIN.password);
const seeded = await seedSandboxCustomers(ctx.db, ctx.secretKey, sandbox);
const owners = [admin.id, csm.id];

step(`refreshing ${seeded.length} customers against the sandbox`);
const now = new Date();
const outcomes = await refreshMany(
  ctx.db,
  ctx.secretKey,
  seeded.map((s) => s.customer),
  { concurrency: 4, trigger: "demo" },
);
for (const [i, { customer }] of seeded.entries()) {
  await ctx.db
    .update(customers)
    .set({ ownerId: owners[i % 2] })
    .where(eq(customers.id, customer.id));
  const outcome = outcomes[i]!;
  await seedDemoHistory(ctx.db, customer.id, { score: outcome.score, coverage: (outcome.coverage ?? 0) / 100, version: "1" }, now, i + 7);
}
// A few answers and a catch-up, as a team that has used delight for a while would have.
const healthy = seeded.find((s) => s.scenario.name === "healthy")!.customer;
for (const checkId of ["training.demo_received", "training.told_support", "training.joint_slack", "value.newsletter"]) {
  await recordAnswer(ctx.db, { id: csm.id, name: "casey@delight.demo" }, healthy.id, {
    checkId,
    answer: "yes",
    note: "from the kick-off call",
  });
}
await recordCatchup(ctx.db, { id: csm.id, name: "casey@delight.demo" }, healthy.id, {
  date: new Date(now.getTime() - 40 * 86_400_000).toISOString().slice(0, 10),
  status: "held",
  attendees: "Jane (Acme), Casey",
  notes: "Wants funnels per plan tier. Follow up on feature flags rollout.",
});
// A check that was answered yes and now no, so the inbox shows that kind of alert beside the
// usage ones the refreshes raised (over plan, near plan, gone quiet).
const slipping = seeded.find((s) => s.scenario.name === "slipping")!.customer;
const casey = { id: csm.id, name: "casey@delight.demo" };
await recordAnswer(
  ctx.db,
  casey,
  slipping.id,
  { checkId: "training.joint_slack", answer: "yes", note: "set up at kick-off" },
  new Date(now.getTime() - 1000),
);
await recordAnswer(ctx.db, casey, slipping.id, { checkId: "training.joint_slack", answer: "no", note: "they left the shared channel" });
const open = await listAlerts(ctx.db, { all: false });
step(`${open.length} alerts to look at (the Alerts page; Slack and e-mail when DELIGHT_SLACK_WEBHOOK_URL / DELIGHT_SMTP_URL are set)`);
await ctx.dbHandle.close();

step("starting delight");
const server = spawn(process.execPath, [path.join(ROOT, "app/server.mjs")], {
  cwd: ROOT,
  env: { ...env, NODE_ENV: "production", PORT, DELIGHT_REFRESH_INTERVAL: process.env.DELIGHT_REFRESH_INTERVAL ?? "6h" },
  stdio: ["ignore", "pipe", "inherit"],
});
server.stdout!.on("data", (chunk: Buffer) => {
  const text = String(chunk);
  if (text.includes("[delight] http")) {
    console.log(`\ndelight demo is running at http://localhost:${PORT}`);
    console.log(`sign in as ${ADMIN.email} / ${ADMIN.password}  (also casey@delight.demo and viewer@delight.demo, same password)`);
    console.log(`PostHog sandbox: ${sandbox.url}   Stop with Ctrl-C.\n`);
  } else if (!/^(GET|POST|HEAD) /.test(text)) {
    process.stdout.write(text);
  }
});
const stop = () => {
  server.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
server.on("exit", async (code) => {
  await sandbox.close();
  process.exit(code ?? 0);
});
