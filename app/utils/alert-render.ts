import { ALERT_KIND_INFO, type AlertKind } from "../../checks/alerts/kinds";

/*
 * What an alert or a digest looks like in Slack (Block Kit with a button to the customer) and in
 * an e-mail. Pure: the sender renders when it plans a delivery and stores the result in the
 * outbox, so a retry sends exactly what the first attempt did.
 */

export type SlackPayload = { text: string; blocks: unknown[] };
export type EmailPayload = { to: string; subject: string; text: string; html: string };

export type AlertToRender = { id: number; kind: AlertKind; message: string; slug: string; customerName: string };

const customerUrl = (base: string, slug: string) => `${base}/customers/${encodeURIComponent(slug)}`;
/** Slack mrkdwn treats &, < and > as markup. */
const mrkdwn = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const html = (text: string) => mrkdwn(text).replace(/"/g, "&quot;");
const plain = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function slackAlert(alert: AlertToRender, baseUrl: string): SlackPayload {
  const url = customerUrl(baseUrl, alert.slug);
  return {
    text: alert.message,
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `*${mrkdwn(ALERT_KIND_INFO[alert.kind].label)}* · ${mrkdwn(alert.message)}` },
      },
      {
        type: "actions",
        elements: [
          {
            type: "button",
            text: { type: "plain_text", text: plain(`Open ${alert.customerName}`, 75) },
            url,
            action_id: `open-customer-${alert.id}`,
          },
        ],
      },
    ],
  };
}

export function emailAlert(alert: AlertToRender, to: string, baseUrl: string): EmailPayload {
  const url = customerUrl(baseUrl, alert.slug);
  const label = ALERT_KIND_INFO[alert.kind].label;
  return {
    to,
    subject: plain(`[delight] ${alert.message}`, 200),
    text: `${alert.message}\n\n${label}. Open ${alert.customerName}: ${url}\n\nChoose what you receive in ${baseUrl}/settings`,
    html: `<p>${html(alert.message)}</p><p><a href="${html(url)}">Open ${html(alert.customerName)}</a> · ${html(label)}</p><p style="color:#666">Choose what you receive in <a href="${html(baseUrl)}/settings">Settings</a>.</p>`,
  };
}

export type DigestEntry = {
  slug: string;
  name: string;
  /** The band a week ago and now, when they differ. */
  band: { from: string | null; to: string | null } | null;
  crossed80: string | null;
  catchupOverdue: boolean;
  stale: string | null;
};

export type Digest = { owner: string; weekOf: string; entries: DigestEntry[] };

function digestSections(d: Digest) {
  const pick = (test: (e: DigestEntry) => string | null) =>
    d.entries.flatMap((e) => {
      const line = test(e);
      return line === null ? [] : [{ e, line }];
    });
  return [
    { title: "Band changes", items: pick((e) => (e.band ? `${e.band.from ?? "no band"} → ${e.band.to ?? "no band"}` : null)) },
    { title: "Crossed 80 % of plan", items: pick((e) => e.crossed80) },
    { title: "Catch-ups overdue", items: pick((e) => (e.catchupOverdue ? "no catch-up in 100 days, none scheduled" : null)) },
    { title: "Stale data", items: pick((e) => e.stale) },
  ].filter((s) => s.items.length > 0);
}

export function slackDigest(d: Digest, baseUrl: string): SlackPayload {
  const sections = digestSections(d);
  const title = `Weekly digest for ${d.owner}, week of ${d.weekOf}`;
  return {
    text: `${title}: ${d.entries.length} customer${d.entries.length === 1 ? "" : "s"} to look at`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: plain(title, 150) } },
      ...sections.map((s) => ({
        type: "section",
        text: {
          type: "mrkdwn",
          text: plain(
            `*${s.title}*\n${s.items.map(({ e, line }) => `• <${customerUrl(baseUrl, e.slug)}|${mrkdwn(e.name)}>: ${mrkdwn(line)}`).join("\n")}`,
            3000,
          ),
        },
      })),
    ],
  };
}

export function emailDigest(d: Digest, to: string, baseUrl: string): EmailPayload {
  const sections = digestSections(d);
  const text = sections
    .map((s) => `${s.title}\n${s.items.map(({ e, line }) => `  - ${e.name}: ${line} (${customerUrl(baseUrl, e.slug)})`).join("\n")}`)
    .join("\n\n");
  const body = sections
    .map(
      (s) =>
        `<h3>${html(s.title)}</h3><ul>${s.items
          .map(({ e, line }) => `<li><a href="${html(customerUrl(baseUrl, e.slug))}">${html(e.name)}</a>: ${html(line)}</li>`)
          .join("")}</ul>`,
    )
    .join("");
  return {
    to,
    subject: `[delight] Weekly digest: ${d.entries.length} customer${d.entries.length === 1 ? "" : "s"} to look at (week of ${d.weekOf})`,
    text: `Your customers this week, ${d.owner}:\n\n${text}\n\nChoose what you receive in ${baseUrl}/settings`,
    html: `<p>Your customers this week, ${html(d.owner)}:</p>${body}<p style="color:#666">Choose what you receive in <a href="${html(baseUrl)}/settings">Settings</a>.</p>`,
  };
}
