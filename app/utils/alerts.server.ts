import { createChannels } from "./alert-channels.server";
import { type SenderDeps, sendAlerts } from "./alert-sender.server";
import type { AppContext } from "./context.server";
import { getContext } from "./db.server";
import { healthExporter } from "./posthog-export.server";

/** The sender as the server and the CLI run it: channels from the configuration, alerts to the team's PostHog when set. */
export function senderDeps(ctx: AppContext): SenderDeps & { close: () => void } {
  const channels = createChannels({
    smtpUrl: ctx.config.DELIGHT_SMTP_URL,
    from: ctx.config.DELIGHT_SMTP_FROM,
    allowPrivate: ctx.config.DELIGHT_ALLOW_PRIVATE_HOSTS,
  });
  return {
    db: ctx.db,
    config: ctx.config,
    secretKey: ctx.secretKey,
    channels,
    onAlert: healthExporter(ctx.config)?.onAlert,
    close: () => channels.close(),
  };
}

let sending: Promise<void> | null = null;
let deps: ReturnType<typeof senderDeps> | undefined;

/**
 * The server's sender: one pass now (calls while one runs join it). Retries that are not yet due
 * wait for a later pass; the scheduler runs one every few seconds, so a stopped server resumes
 * where it left off when it starts again.
 */
export function sendAlertsSoon(): Promise<void> {
  sending ??= (async () => {
    try {
      const ctx = await getContext();
      deps ??= senderDeps(ctx);
      const report = await sendAlerts(deps);
      const sent = report.deliveries.filter((d) => d.status === "sent").length;
      const failed = report.deliveries.filter((d) => d.status === "failed");
      if (sent > 0) console.log(`[delight] alerts: ${sent} delivered`);
      for (const f of failed) console.error(`[delight] alert delivery ${f.id} (${f.target}) failed: ${f.error}`);
    } catch (error) {
      console.error(`[delight] alert sender did not finish: ${(error as Error).message}`);
    } finally {
      sending = null;
    }
  })();
  return sending;
}
