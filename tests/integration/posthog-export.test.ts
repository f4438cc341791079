import { createServer, type Server } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHealthExporter } from "../../app/utils/posthog-export.server";
import type { HealthSummary } from "../../checks/assessment/summary";

type Captured = {
  path: string;
  body: { api_key?: string; batch?: { event: string; properties: Record<string, unknown>; distinct_id?: string }[] };
};
const received: Captured[] = [];
let server: Server;
let host: string;

beforeAll(async () => {
  // Stands in for the team's own PostHog: records what posthog-node sends, nothing else.
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let raw = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
      received.push({ path: req.url ?? "", body: JSON.parse(raw.toString("utf8")) });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const health: HealthSummary = {
  score: 72.5,
  band: "healthy",
  coverage: 0.813,
  failing: 3,
  unknown: 2,
  planPercent: 84.2,
  projectedPercent: 97.1,
  flagged80: true,
  flagged80AsOf: "2025-03-10",
  flagged80Why: { basis: "this-period", percent: 84.2 },
  over100: false,
  dataThrough: "2025-03-10",
  stale: true,
  lastRefresh: { at: "2025-03-14T06:00:00.000Z", status: "failed" },
  lastSuccessAt: "2025-03-10T06:00:00.000Z",
  problem: null,
  scoringVersion: "3",
  assessedAt: "2025-03-14T06:00:00.000Z",
  validUntil: "2025-03-15T00:00:00.000Z",
};

describe("sending health to the team's own PostHog", () => {
  test("groupIdentify on group type customer and a 'customer health computed' event", async () => {
    const exporter = createHealthExporter({ apiKey: "phc_team_project_key", host, flushAt: 1 });
    exporter.onAssessed({ slug: "acme", name: "Acme" }, health);
    await exporter.shutdown();
    const events = received.flatMap((r) => r.body.batch ?? []);
    const identify = events.find((e) => e.event === "$groupidentify")!;
    expect(identify.properties).toMatchObject({
      $group_type: "customer",
      $group_key: "acme",
      $group_set: {
        name: "Acme",
        health_score: 72.5,
        health_band: "healthy",
        health_coverage: 0.813,
        plan_usage_percent: 84.2,
        plan_projected_percent: 97.1,
        above_80_percent: true,
        above_80_percent_as_of: "2025-03-10",
        above_80_percent_because: "84% of plan this billing period",
        data_through: "2025-03-10",
        data_stale: true,
        last_refresh_status: "failed",
        failing_checks: 3,
        scoring_version: "3",
      },
    });
    const computed = events.find((e) => e.event === "customer health computed")!;
    expect(computed.distinct_id).toBe("delight:acme");
    expect(computed.properties).toMatchObject({ $groups: { customer: "acme" }, health_score: 72.5, health_band: "healthy" });
    expect(received.every((r) => r.body.api_key === "phc_team_project_key")).toBe(true);
  });

  test("each alert as a 'customer health alert' event with its kind and the customer's group", async () => {
    const exporter = createHealthExporter({ apiKey: "phc_team_project_key", host, flushAt: 1 });
    const raisedAt = new Date("2025-03-14T06:00:00.000Z");
    exporter.onAlert({ kind: "usage_80", slug: "acme", name: "Acme", message: "Acme is at 87 % of Growth 1M", raisedAt });
    await exporter.shutdown();
    const alert = received.flatMap((r) => r.body.batch ?? []).find((e) => e.event === "customer health alert")!;
    expect(alert.distinct_id).toBe("delight:acme");
    expect(alert.properties).toMatchObject({
      $groups: { customer: "acme" },
      kind: "usage_80",
      message: "Acme is at 87 % of Growth 1M",
      raised_at: "2025-03-14T06:00:00.000Z",
    });
  });
});
