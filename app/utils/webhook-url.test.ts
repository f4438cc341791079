import { describe, expect, test } from "vitest";
import { loadConfig } from "./env.server";
import { checkWebhookUrl, webhookHint } from "./webhook-url.server";

describe("Slack webhook addresses follow the PostHog host rules", () => {
  test.each([
    ["https://hooks.slack.com/services/T000/B000/XXXX", false, true],
    ["http://hooks.slack.com/services/T000/B000/XXXX", false, false],
    ["https://127.0.0.1/hook", false, false],
    ["https://10.1.2.3/hook", false, false],
    ["https://foo.internal/hook", false, false],
    ["https://[::1]/hook", false, false],
    ["https://user:pw@hooks.slack.com/services/T/B/X", false, false],
    ["https://hooks.slack.com", false, false],
    ["not a url", false, false],
    ["http://127.0.0.1:4000/hook", true, true],
  ])("%s (private hosts allowed: %s) → accepted %s", (url, allowPrivate, ok) => {
    expect(checkWebhookUrl(url, { allowPrivate }).ok).toBe(ok);
  });

  test("only the host and the last four characters are ever shown", () => {
    expect(webhookHint("https://hooks.slack.com/services/T000/B000/abcd1234")).toBe("hooks.slack.com/…1234");
  });

  test("DELIGHT_SLACK_WEBHOOK_URL is checked at start with DELIGHT_ALLOW_PRIVATE_HOSTS", () => {
    expect(() => loadConfig({ DELIGHT_SLACK_WEBHOOK_URL: "http://127.0.0.1:9/hook" })).toThrow(
      /^Configuration error: DELIGHT_SLACK_WEBHOOK_URL: Enter a Slack incoming-webhook URL/,
    );
    expect(
      loadConfig({ DELIGHT_SLACK_WEBHOOK_URL: "http://127.0.0.1:9/hook", DELIGHT_ALLOW_PRIVATE_HOSTS: "true" }).DELIGHT_SLACK_WEBHOOK_URL,
    ).toBe("http://127.0.0.1:9/hook");
    expect(() => loadConfig({ DELIGHT_SMTP_URL: "mail.example.com" })).toThrow(/DELIGHT_SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/);
  });
});
