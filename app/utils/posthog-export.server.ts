import { PostHog } from "posthog-node";
import type { CurrentState } from "../../checks/health-store";
import type { Config } from "./env.server";

/**
 * Sends each customer's health to the team's own PostHog: `groupIdentify` on group type
 * `customer` (so PostHog cohorts and dashboards can use score, band and plan usage) and a
 * `customer health computed` event. Never carries the customer's own PostHog key.
 */
export function createHealthExporter(options: { apiKey: string; host: string; flushAt?: number }) {
  const client = new PostHog(options.apiKey, { host: options.host, flushAt: options.flushAt ?? 20, flushInterval: 10_000 });
  const onScored = (customer: { slug: string; name: string }, state: CurrentState) => {
    const properties = {
      name: customer.name,
      health_score: state.score.score,
      health_band: state.score.band,
      health_coverage: Math.round(state.score.coverage * 1000) / 10,
      failing_checks: state.score.failing,
      plan_usage_percent: state.usage.percentOfQuota,
      plan_projected_percent: state.usage.projectedPercent,
      above_80_percent: state.flagged80,
      scoring_version: state.score.version,
    };
    client.groupIdentify({ groupType: "customer", groupKey: customer.slug, properties });
    client.capture({
      distinctId: `delight:${customer.slug}`,
      event: "customer health computed",
      properties,
      groups: { customer: customer.slug },
    });
  };
  return { onScored, flush: () => client.flush(), shutdown: () => client.shutdown() };
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
