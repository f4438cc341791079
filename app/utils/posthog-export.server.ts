import type { Config } from "../../checks/config";
import { createHealthExporter } from "../../checks/posthog-export";

let exporter: ReturnType<typeof createHealthExporter> | undefined;

/** One posthog-node client per process, only when DELIGHT_POSTHOG_API_KEY is set. */
export function healthExporter(config: Config) {
  if (!config.DELIGHT_POSTHOG_API_KEY) return undefined;
  exporter ??= createHealthExporter({ apiKey: config.DELIGHT_POSTHOG_API_KEY, host: config.DELIGHT_POSTHOG_HOST });
  return exporter.onScored;
}
