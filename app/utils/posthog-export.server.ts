import { PostHog } from "posthog-node";
import { flag80Reason } from "../../checks/assessment/flag80";
import type { HealthSummary } from "../../checks/assessment/summary";
import type { Config } from "./env.server";

/**
 * Sends each customer's health to the team's own PostHog: `groupIdentify` on group type
 * `customer` (so PostHog cohorts and dashboards can use score, band and plan usage) and a
 * `customer health computed` event, and each alert as a `customer health alert` event. Never
 * carries the customer's own PostHog key.
 */
export function createHealthExporter(options: { apiKey: string; host: string; flushAt?: number }) {
  const client = new PostHog(options.apiKey, { host: options.host, flushAt: options.flushAt ?? 20, flushInterval: 10_000 });
  // The same summary every page and export shows; PostHog property names are snake_case.
  const onAssessed = (customer: { slug: string; name: string }, health: HealthSummary) => {
    const properties = {
      name: customer.name,
      health_score: health.score,
      health_band: health.band,
      health_coverage: health.coverage,
      failing_checks: health.failing,
      plan_usage_percent: health.planPercent,
      plan_projected_percent: health.projectedPercent,
      above_80_percent: health.flagged80,
      above_80_percent_as_of: health.flagged80AsOf,
      above_80_percent_because: flag80Reason(health.flagged80Why),
      data_through: health.dataThrough,
      data_stale: health.stale,
      last_refresh_status: health.lastRefresh?.status ?? null,
      scoring_version: health.scoringVersion,
    };
    client.groupIdentify({ groupType: "customer", groupKey: customer.slug, properties });
    client.capture({
      distinctId: `delight:${customer.slug}`,
      event: "customer health computed",
      properties,
      groups: { customer: customer.slug },
    });
  };
  // Each alert once, when the sender first sees it, so the team can chart alerts by kind and customer.
  const onAlert = (alert: { kind: string; slug: string; name: string; message: string; raisedAt: Date }) => {
    client.capture({
      distinctId: `delight:${alert.slug}`,
      event: "customer health alert",
      properties: { kind: alert.kind, message: alert.message, name: alert.name, raised_at: alert.raisedAt.toISOString() },
      groups: { customer: alert.slug },
      timestamp: alert.raisedAt,
    });
  };
  return { onAssessed, onAlert, flush: () => client.flush(), shutdown: () => client.shutdown() };
}

let exporter: ReturnType<typeof createHealthExporter> | undefined;

/** One posthog-node client per process, only when DELIGHT_POSTHOG_API_KEY is set. */
export function healthExporter(config: Config) {
  if (!config.DELIGHT_POSTHOG_API_KEY) return undefined;
  exporter ??= createHealthExporter({ apiKey: config.DELIGHT_POSTHOG_API_KEY, host: config.DELIGHT_POSTHOG_HOST });
  return exporter;
}

/** Sends what is queued; a short-lived process (the CLI) calls this before it exits. */
export async function shutdownHealthExporter() {
  const current = exporter;
  exporter = undefined;
  await current?.shutdown();
}
