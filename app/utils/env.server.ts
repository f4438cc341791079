import path from "node:path";
import { z } from "zod";
import { checkWebhookUrl } from "./webhook-url.server";

/** "24h", "30m", "90s", "0" (off). Returns milliseconds. */
export function parseDuration(value: string): number | null {
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? "s"]!;
  return Number(match[1]) * unit;
}

const boolish = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .optional()
  .transform((v) => v === "true" || v === "1" || v === "yes");

export const ConfigSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  DELIGHT_DATA_DIR: z.string().min(1).default(".data"),
  DELIGHT_SECRET_KEY: z.string().optional(),
  DELIGHT_SESSION_SECRET: z.string().min(32, "DELIGHT_SESSION_SECRET must be at least 32 characters").optional(),
  DELIGHT_REFRESH_INTERVAL: z
    .string()
    .default("24h")
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === null) {
        ctx.addIssue({ code: "custom", message: `DELIGHT_REFRESH_INTERVAL "${v}" is not a duration like 24h, 30m or 0` });
        return z.NEVER;
      }
      return ms;
    }),
  /** The team's own PostHog project key; when set, each refresh sends group properties there. */
  DELIGHT_POSTHOG_API_KEY: z.string().optional(),
  DELIGHT_POSTHOG_HOST: z.string().url().default("https://us.i.posthog.com"),
  /**
   * Allows customer PostHog hosts on http:// and on loopback/private addresses. Off by default so a
   * saved host cannot point a customer's key at delight's own network; the demo and tests use it
   * to reach the local sandbox.
   */
  DELIGHT_ALLOW_PRIVATE_HOSTS: boolish,
  /** The team's Slack incoming webhook for alerts; set here it cannot be changed in Settings. */
  DELIGHT_SLACK_WEBHOOK_URL: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined),
  /** smtp://user:pass@host:587 or smtps://…: alerts and digests are e-mailed to owners through it. */
  DELIGHT_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, "DELIGHT_SMTP_URL must be an smtp:// or smtps:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  DELIGHT_SMTP_FROM: z.string().min(3).default("delight <delight@localhost>"),
  /** The address people open delight at, for links in Slack and e-mail. */
  DELIGHT_PUBLIC_URL: z
    .string()
    .url("DELIGHT_PUBLIC_URL must be a URL like https://delight.example.com")
    .default("http://localhost:3000")
    .transform((v) => v.replace(/\/+$/, "")),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
});

export type Config = z.output<typeof ConfigSchema> & { dataDir: string };

export class ConfigError extends Error {}

/** Parsed once at boot by whoever owns the process (server or CLI); library code takes the result. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Configuration error: ${issue.path.join(".")}: ${issue.message}`);
  }
  if (parsed.data.DELIGHT_SLACK_WEBHOOK_URL) {
    const webhook = checkWebhookUrl(parsed.data.DELIGHT_SLACK_WEBHOOK_URL, { allowPrivate: parsed.data.DELIGHT_ALLOW_PRIVATE_HOSTS });
    if (!webhook.ok) throw new ConfigError(`Configuration error: DELIGHT_SLACK_WEBHOOK_URL: ${webhook.message}`);
  }
  const dataDir = parsed.data.DELIGHT_DATA_DIR.startsWith("memory://")
    ? parsed.data.DELIGHT_DATA_DIR
    : path.resolve(parsed.data.DELIGHT_DATA_DIR);
  return { ...parsed.data, dataDir };
}

let config: Config | undefined;

/** The only place the server reads process.env; parsed once, validated with zod. */
export function getConfig(): Config {
  config ??= loadConfig(process.env);
  return config;
}
