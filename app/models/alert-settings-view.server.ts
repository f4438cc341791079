import { ALERT_KIND_INFO, isAlertKind } from "../../checks/alerts/kinds";
import type { AppContext } from "../utils/context.server";
import { InputError } from "../utils/validation.server";
import {
  CHANNELS,
  channelProblems,
  loadAlertSettings,
  personalSlackUrl,
  ROUTE_ROWS,
  resetChannel,
  saveAlertRoutes,
  saveTeamSlack,
  saveUserPreferences,
  teamSlackUrl,
  userPreferences,
} from "./alert-settings.server";
import type { Actor } from "./audit.server";

/*
 * Settings' alert panels: the team's routing, thresholds and channels (admins change them), and
 * each user's own e-mail, digest and Slack. Broken channels show here with why.
 */

export const ALERT_SETTINGS_INTENTS = ["alert-routes", "alert-slack", "alert-reset", "my-alerts"] as const;
export type AlertSettingsIntent = (typeof ALERT_SETTINGS_INTENTS)[number];
export const isAlertSettingsIntent = (v: string): v is AlertSettingsIntent => (ALERT_SETTINGS_INTENTS as readonly string[]).includes(v);

const CHANNEL_LABELS: Record<string, string> = { "slack:team": "Team Slack channel", email: "E-mail (SMTP)" };

export async function alertSettingsView(ctx: AppContext, user: { id: number; email: string }) {
  const { db, config } = ctx;
  const settings = await loadAlertSettings(db);
  const team = teamSlackUrl(config, settings, ctx.secretKey);
  const mine = await userPreferences(db, user.id);
  const myChannel = `slack:user:${user.id}`;
  const myUrl = await personalSlackUrl(db, user.id, ctx.secretKey);
  const problems = await channelProblems(db, { "slack:team": team, email: config.DELIGHT_SMTP_URL ?? null, [myChannel]: myUrl });
  const problemOf = (channel: string) => problems.find((p) => p.channel === channel) ?? null;
  return {
    routes: ROUTE_ROWS.map((row) => ({
      row,
      label: row === "digest" ? "Weekly digest" : isAlertKind(row) ? ALERT_KIND_INFO[row].label : row,
      when:
        row === "digest"
          ? "Monday from 08:00 UTC: each owner's customers that changed band, crossed 80 %, are overdue or stale."
          : ALERT_KIND_INFO[row].when,
      channels: CHANNELS.map((c) => ({ channel: c, on: settings.routes[row][c] })),
    })),
    thresholds: settings.thresholds,
    teamSlack: {
      source: config.DELIGHT_SLACK_WEBHOOK_URL ? ("env" as const) : settings.teamSlackHint ? ("settings" as const) : null,
      hint: config.DELIGHT_SLACK_WEBHOOK_URL ? new URL(config.DELIGHT_SLACK_WEBHOOK_URL).host : settings.teamSlackHint,
    },
    email: { configured: Boolean(config.DELIGHT_SMTP_URL), from: config.DELIGHT_SMTP_FROM },
    problems: problems.filter((p) => p.channel !== myChannel).map((p) => ({ ...p, label: CHANNEL_LABELS[p.channel] ?? p.channel })),
    mine: {
      ...mine,
      defaultAddress: user.email,
      problem: problemOf(myChannel),
    },
  };
}
export type AlertSettingsView = Awaited<ReturnType<typeof alertSettingsView>>;

const text = (form: FormData, name: string) => {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
};

function forbidden(): never {
  throw new Response("Only admins can change where the team's alerts go", {
    status: 403,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

/** One alert form of Settings. Team settings need an admin; "my-alerts" and resetting one's own Slack any user. */
export async function runAlertSettingsIntent(
  ctx: AppContext,
  user: { id: number; email: string; role: string },
  actor: Actor,
  intent: AlertSettingsIntent,
  form: FormData,
): Promise<string> {
  const options = { secretKey: ctx.secretKey, allowPrivate: ctx.config.DELIGHT_ALLOW_PRIVATE_HOSTS };
  if (intent === "my-alerts") {
    await saveUserPreferences(
      ctx.db,
      user,
      {
        email: form.get("email") === "on",
        digest: form.get("digest") === "on",
        emailAddress: text(form, "emailAddress"),
        slack: text(form, "slack"),
        removeSlack: form.get("removeSlack") === "on",
      },
      options,
    );
    return "Saved your alert settings";
  }
  const channel = text(form, "channel");
  if (intent === "alert-reset" && channel === `slack:user:${user.id}`) {
    await resetChannel(ctx.db, actor, channel);
    return "Your Slack channel will be tried again";
  }
  if (user.role !== "admin") forbidden();
  if (intent === "alert-routes") {
    await saveAlertRoutes(ctx.db, actor, form);
    return "Saved where alerts go";
  }
  if (intent === "alert-slack") {
    if (ctx.config.DELIGHT_SLACK_WEBHOOK_URL) throw new InputError({ teamSlack: "Set by DELIGHT_SLACK_WEBHOOK_URL; change it there" });
    const hint = await saveTeamSlack(ctx.db, actor, text(form, "teamSlack"), options);
    return hint ? `Team Slack channel set (${hint})` : "Team Slack channel removed";
  }
  if (!["slack:team", "email"].includes(channel)) throw new InputError({ form: "Unknown channel" });
  await resetChannel(ctx.db, actor, channel);
  return `${CHANNEL_LABELS[channel]} will be tried again`;
}
