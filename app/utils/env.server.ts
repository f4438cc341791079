import path from "node:path";
import { z } from "zod";
import { parseSecretKey } from "../../db/secrets";
import { checkWebhookUrl } from "./webhook-url.server";

/** "24h", "30m", "90s", "0" (off). Returns milliseconds. */
export function parseDuration(value: string): number | null {
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? "s"]!;
  return Number(match[1]) * unit;
}

const BudgetsSchema = z
  .array(
    z.object({
      name: z.string().min(1),
      class: z.enum(["all", "analytics", "hogql"]),
      limit: z.number().int().min(8),
      windowMs: z.number().int().min(1000),
    }),
  )
  .min(1);

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
  /** Prepared statements on the PostgreSQL server; "false" behind a pooler in transaction mode (PgBouncer). */
  DELIGHT_DB_PREPARE: z
    .enum(["true", "false", "1", "0", "yes", "no", ""])
    .optional()
    .transform((v) => v !== "false" && v !== "0" && v !== "no"),
  /** "on": the embedded database in a worker thread of its own; "off" (default): in the process's main thread. */
  DELIGHT_PGLITE_THREAD: z
    .enum(["on", "off", ""])
    .default("off")
    .transform((v) => v === "on"),
  DELIGHT_DATA_DIR: z.string().min(1).default(".data"),
  // Checked here, so a bad key stops the server and the CLI at start with one line.
  DELIGHT_SECRET_KEY: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      try {
        parseSecretKey(v);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message.replace(/^DELIGHT_SECRET_KEY /, "") });
      }
    }),
  /**
   * Refresh a customer at once, in the background, when it is added or its host, project or key
   * changes. On unless "false" (the integration tests turn it off: their hosts are made up).
   */
  DELIGHT_REFRESH_ON_SAVE: z
    .enum(["true", "false", "1", "0", "yes", "no", ""])
    .optional()
    .transform((v) => v !== "false" && v !== "0" && v !== "no"),
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
  /**
   * How long a refresh's run (its snapshot and each check's result) is kept: `0` keeps them all.
   * The runs a customer's current health rests on and the score history are kept whatever it says.
   */
  DELIGHT_RUN_RETENTION: z
    .string()
    .default("90d")
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === null || (ms !== 0 && ms < 86_400_000)) {
        ctx.addIssue({
          code: "custom",
          message: `DELIGHT_RUN_RETENTION "${v}" is not a duration of at least 1d (such as 90d), or 0 to keep every run`,
        });
        return z.NEVER;
      }
      return ms;
    }),
  /**
   * Whether this process runs the scheduled work (refresh rounds, re-assessment, alert delivery)
   * and a refresh worker. `npm start` with several web processes turns it on in one of them.
   */
  DELIGHT_SCHEDULER: z.enum(["on", "off"]).default("on"),
  /** Set by `npm start` for its web processes: the first-run setup code they share (12 characters). */
  DELIGHT_SETUP_CODE: z
    .string()
    .regex(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{12}$/)
    .optional(),
  /** Customers a worker refreshes at once. */
  DELIGHT_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /**
   * The CPU niceness of processes that serve no page (npm start's scheduled-work process on
   * PostgreSQL, `delight worker`): above the web processes' 0, so a page view is served first and
   * a refresh takes the CPU the pages leave.
   */
  DELIGHT_WORKER_NICE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      // Unset or empty is the default; digits only, so "-1", "5.5" and "1e1" are refused.
      const text = v?.trim() || "10";
      if (!/^\d{1,2}$/.test(text) || Number(text) > 19) {
        ctx.addIssue({ code: "custom", message: `DELIGHT_WORKER_NICE "${v}" is not a whole number from 0 (as the pages) to 19 (lowest)` });
        return z.NEVER;
      }
      return Number(text);
    }),
  /** How long a refresh job may run before it counts as lost (its worker died) and is retried elsewhere. */
  DELIGHT_JOB_TIMEOUT: z
    .string()
    .default("15m")
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === null || ms < 1000) {
        ctx.addIssue({ code: "custom", message: `DELIGHT_JOB_TIMEOUT "${v}" is not a duration of at least 1s` });
        return z.NEVER;
      }
      return ms;
    }),
  /**
   * PostHog's per-key limits, for an instance with other ones (self-hosted, a raised HogQL limit)
   * and for tests: JSON [{"name","class":"all"|"analytics"|"hogql","limit","windowMs"}].
   */
  DELIGHT_POSTHOG_BUDGETS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v?.trim()) return undefined;
      const parsed = BudgetsSchema.safeParse(
        (() => {
          try {
            return JSON.parse(v);
          } catch {
            return null;
          }
        })(),
      );
      if (!parsed.success) {
        ctx.addIssue({
          code: "custom",
          message: 'must be JSON like [{"name":"hogql/hour","class":"hogql","limit":120,"windowMs":3600000}]',
        });
        return z.NEVER;
      }
      return parsed.data;
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
  /**
   * The address people open delight at (https://delight.example.com). When set it is the only
   * origin a form may be posted from, whatever Host or X-Forwarded-Host a request claims, and the
   * base of the links in Slack messages and e-mails (http://localhost:PORT when unset).
   */
  DELIGHT_PUBLIC_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      let url: URL;
      try {
        url = new URL(v.trim());
      } catch {
        ctx.addIssue({ code: "custom", message: `"${v}" is not a URL like https://delight.example.com` });
        return z.NEVER;
      }
      if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password || url.search || url.hash) {
        ctx.addIssue({ code: "custom", message: "must be an http(s) origin like https://delight.example.com" });
        return z.NEVER;
      }
      return url.origin;
    }),
  /**
   * delight runs behind one reverse proxy: its X-Forwarded-For (last address), X-Forwarded-Host
   * and X-Forwarded-Proto are believed. Off, those headers are ignored: any client can send them.
   */
  DELIGHT_TRUST_PROXY: boolish,
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
  /** Port of `npm start` (app/server.mjs reads it too); links fall back to http://localhost:PORT. */
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
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

/** The address links in Slack messages and e-mails point at. */
export function appUrl(config: Pick<Config, "DELIGHT_PUBLIC_URL" | "PORT">): string {
  return config.DELIGHT_PUBLIC_URL ?? `http://localhost:${config.PORT}`;
}

let config: Config | undefined;

/** The only place the server reads process.env; parsed once, validated with zod. */
export function getConfig(): Config {
  config ??= loadConfig(process.env);
  return config;
}
