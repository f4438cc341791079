import { describe, expect, test } from "vitest";
import { classifyMailError, retryAfterMs } from "./alert-channels.server";
import { emailAlert, emailDigest, slackAlert, slackDigest } from "./alert-render";
import { backoffMs } from "./alert-sender.server";

const alert = {
  id: 7,
  kind: "usage_80" as const,
  message: "A&B <Labs> is at 87 % of Growth 1M",
  slug: "a-b-labs",
  customerName: "A&B <Labs>",
};

describe("rendering", () => {
  test("Slack: the one line as text, Block Kit with markup escaped and a button to the customer", () => {
    const payload = slackAlert(alert, "https://delight.example.com");
    expect(payload.text).toBe(alert.message);
    expect(payload.blocks).toEqual([
      { type: "section", text: { type: "mrkdwn", text: "*≥ 80 % of plan* · A&amp;B &lt;Labs&gt; is at 87 % of Growth 1M" } },
      {
        type: "actions",
        elements: [
          {
            type: "button",
            text: { type: "plain_text", text: "Open A&B <Labs>" },
            url: "https://delight.example.com/customers/a-b-labs",
            action_id: "open-customer-7",
          },
        ],
      },
    ]);
  });

  test("e-mail: subject is the line, HTML is escaped", () => {
    const mail = emailAlert(alert, "ann@example.com", "https://delight.example.com");
    expect(mail.subject).toBe(`[delight] ${alert.message}`);
    expect(mail.html).toContain("A&amp;B &lt;Labs&gt;");
    expect(mail.html).not.toContain("<Labs>");
    expect(mail.text).toContain("https://delight.example.com/customers/a-b-labs");
  });

  test("the digest groups customers by what happened and leaves empty groups out", () => {
    const digest = {
      owner: "Ann",
      weekOf: "2025-06-02",
      entries: [
        { slug: "a", name: "Alpha", band: { from: "healthy", to: "poor" }, crossed80: null, catchupOverdue: false, stale: null },
        { slug: "b", name: "Beta", band: null, crossed80: null, catchupOverdue: true, stale: "never refreshed successfully" },
      ],
    };
    const mail = emailDigest(digest, "ann@example.com", "https://d.example");
    expect(mail.text).toContain("Band changes\n  - Alpha: healthy → poor (https://d.example/customers/a)");
    expect(mail.text).toContain("Catch-ups overdue\n  - Beta");
    expect(mail.text).toContain("Stale data\n  - Beta: never refreshed successfully");
    expect(mail.text).not.toContain("Crossed 80 %");
    expect(slackDigest(digest, "https://d.example").blocks).toHaveLength(4);
  });
});

describe("retry rules", () => {
  test.each([
    ["2", 2000],
    ["0", 0],
    [null, 30_000],
    ["garbage", 30_000],
    ["99999", 900_000],
  ])("Retry-After %s → wait %i ms", (header, ms) => {
    expect(retryAfterMs(header)).toBe(ms);
  });

  test("back-off doubles from 1 s and is capped at 5 minutes", () => {
    expect([1, 2, 3, 4, 10, 20].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 300_000, 300_000]);
  });

  test.each([
    [{ code: "EAUTH", responseCode: 535 }, "broken"],
    [{ code: "EENVELOPE", responseCode: 550, permanent: true }, "failed"],
    [{ code: "EENVELOPE", responseCode: 451, permanent: false }, "transient"],
    [{ code: "ESOCKET" }, "transient"],
    [{ code: "ETIMEDOUT" }, "transient"],
  ])("mail error %o → %s", (error, kind) => {
    expect(classifyMailError(Object.assign(new Error("x"), error)).kind).toBe(kind);
  });
});
