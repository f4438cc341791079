import { Form } from "@remix-run/react";
import { Field, FormError } from "~/components/ui/field";
import { utcLabel } from "~/components/ui/relative-time";
import { TableScroll } from "~/components/ui/table-scroll";
import type { AlertSettingsView } from "~/models/alert-settings-view.server";
import { failureFor, type SettingsReply } from "./types";

const CHANNEL_HEADINGS = { slackTeam: "Team Slack", slackOwner: "Owner's Slack", email: "Owner's e-mail" } as const;

function ChannelProblems({ view, canEdit }: { view: AlertSettingsView; canEdit: boolean }) {
  if (view.problems.length === 0) return null;
  return (
    <div className="form-error" role="alert" data-testid="channel-problems">
      {view.problems.map((p) => (
        <div key={p.channel}>
          <strong>{p.label} is broken</strong> since {utcLabel(p.since)}: {p.reason}{" "}
          {canEdit ? (
            <Form method="post" style={{ display: "inline" }}>
              <input type="hidden" name="intent" value="alert-reset" />
              <input type="hidden" name="channel" value={p.channel} />
              <button type="submit" className="secondary">
                Try again<span className="sr-only"> with the {p.label}</span>
              </button>
            </Form>
          ) : null}
        </div>
      ))}
    </div>
  );
}

/** Where the team's alerts go (admins): channels, the kinds × channels matrix and the thresholds. */
export function AlertsPanel({ view, canEdit, reply }: { view: AlertSettingsView; canEdit: boolean; reply?: SettingsReply }) {
  const routes = failureFor(reply, "alert-routes");
  const slack = failureFor(reply, "alert-slack");
  return (
    <section className="panel" aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Alerts</h2>
      <p className="muted">
        Every alert reaches the in-app inbox. Choose which kinds also go to the team's Slack channel, to the customer owner's own Slack and
        to the owner's e-mail.
      </p>
      <ChannelProblems view={view} canEdit={canEdit} />
      <dl className="kv">
        <dt>Team Slack channel</dt>
        <dd data-testid="team-slack">
          {view.teamSlack.source === "env"
            ? `${view.teamSlack.hint} (set by DELIGHT_SLACK_WEBHOOK_URL)`
            : view.teamSlack.source === "settings"
              ? view.teamSlack.hint
              : "not set"}
        </dd>
        <dt>E-mail</dt>
        <dd data-testid="email-status">
          {view.email.configured ? `on, from ${view.email.from} (DELIGHT_SMTP_URL)` : "off: set DELIGHT_SMTP_URL to e-mail owners"}
        </dd>
      </dl>
      {canEdit && view.teamSlack.source !== "env" ? (
        // Keyed by the saved hint: once saved, the form starts empty again (the URL is a secret).
        <Form key={view.teamSlack.hint ?? "none"} method="post" className="stack" noValidate style={{ marginTop: "1rem" }}>
          <FormError errors={slack?.errors} />
          <input type="hidden" name="intent" value="alert-slack" />
          <Field
            name="teamSlack"
            label="Team Slack incoming-webhook URL"
            type="url"
            autoComplete="off"
            defaultValue={slack?.values.teamSlack ?? ""}
            errors={slack?.errors}
            hint="From Slack: Apps → Incoming Webhooks → Add to a channel. Leave empty and save to remove the channel."
          />
          <div>
            <button type="submit">Save Slack channel</button>
          </div>
        </Form>
      ) : null}
      <Form method="post" className="stack" noValidate style={{ marginTop: "1rem" }}>
        <FormError errors={routes?.errors} />
        <input type="hidden" name="intent" value="alert-routes" />
        <TableScroll label="Which alerts go where">
          <table data-testid="alert-routes">
            <caption className="sr-only">Which alerts go where</caption>
            <thead>
              <tr>
                <th scope="col">Alert</th>
                {(Object.keys(CHANNEL_HEADINGS) as (keyof typeof CHANNEL_HEADINGS)[]).map((c) => (
                  <th key={c} scope="col">
                    {CHANNEL_HEADINGS[c]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {view.routes.map((r) => (
                <tr key={r.row}>
                  <th scope="row" style={{ textTransform: "none", fontSize: "inherit", color: "inherit", letterSpacing: 0 }}>
                    {r.label} <span className="mono small muted">{r.row}</span>
                    <div className="muted small" style={{ fontWeight: 400 }}>
                      {r.when}
                    </div>
                  </th>
                  {r.channels.map((c) => (
                    <td key={c.channel}>
                      <input
                        type="checkbox"
                        name={`route:${r.row}:${c.channel}`}
                        defaultChecked={c.on}
                        disabled={!canEdit}
                        aria-label={`${r.label}: ${CHANNEL_HEADINGS[c.channel]}`}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
        <div className="row">
          <Field
            name="scoreDropPoints"
            label="Score drop within 7 days (points)"
            inputMode="numeric"
            defaultValue={routes?.values.scoreDropPoints ?? String(view.thresholds.scoreDropPoints)}
            errors={routes?.errors}
            readOnly={!canEdit}
          />
          <Field
            name="staleDays"
            label="Stale after (days without a successful refresh)"
            inputMode="numeric"
            defaultValue={routes?.values.staleDays ?? String(view.thresholds.staleDays)}
            errors={routes?.errors}
            readOnly={!canEdit}
          />
        </div>
        {canEdit ? (
          <div>
            <button type="submit">Save where alerts go</button>
          </div>
        ) : null}
      </Form>
    </section>
  );
}

/** Each user's own: e-mail on or off and to which address, the weekly digest, a personal Slack webhook. */
export function MyAlertsPanel({ view, reply }: { view: AlertSettingsView; reply?: SettingsReply }) {
  const failure = failureFor(reply, "my-alerts");
  const typed = failure?.values;
  const { mine } = view;
  return (
    <section className="panel" aria-labelledby="my-alerts-heading">
      <h2 id="my-alerts-heading">Your alerts</h2>
      <p className="muted">Alerts about the customers you own, and your weekly digest.</p>
      {mine.problem ? (
        <div className="form-error" role="alert" data-testid="my-slack-problem">
          Your Slack channel is broken: {mine.problem.reason}{" "}
          <Form method="post" style={{ display: "inline" }}>
            <input type="hidden" name="intent" value="alert-reset" />
            <input type="hidden" name="channel" value={mine.problem.channel} />
            <button type="submit" className="secondary">
              Try again<span className="sr-only"> with your Slack channel</span>
            </button>
          </Form>
        </div>
      ) : null}
      <Form key={mine.slackHint ?? "none"} method="post" className="stack" noValidate>
        <FormError errors={failure?.errors} />
        <input type="hidden" name="intent" value="my-alerts" />
        <label className="settings-choice">
          <input type="checkbox" name="email" defaultChecked={typed ? typed.email === "on" : mine.email} /> E-mail me alerts about my
          customers
        </label>
        <Field
          name="emailAddress"
          label="Send them to"
          type="email"
          autoComplete="email"
          placeholder={mine.defaultAddress}
          defaultValue={typed?.emailAddress ?? mine.emailAddress ?? ""}
          errors={failure?.errors}
          hint={`Empty: your sign-in address, ${mine.defaultAddress}`}
        />
        <label className="settings-choice">
          <input type="checkbox" name="digest" defaultChecked={typed ? typed.digest === "on" : mine.digest} /> Send me the weekly digest
        </label>
        <Field
          name="slack"
          label="Your own Slack incoming-webhook URL (optional)"
          type="url"
          autoComplete="off"
          defaultValue={typed?.slack ?? ""}
          errors={failure?.errors}
          hint={
            mine.slackHint ? `Now: ${mine.slackHint}. Enter a new one to replace it.` : "Alerts about your customers are also posted there."
          }
        />
        {mine.slackHint ? (
          <label className="settings-choice">
            <input type="checkbox" name="removeSlack" /> Remove my Slack webhook
          </label>
        ) : null}
        <div>
          <button type="submit">Save your alerts</button>
        </div>
      </Form>
    </section>
  );
}
