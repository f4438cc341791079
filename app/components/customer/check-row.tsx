import type { CheckRowView } from "~/models/customer-page.server";
import { StatusBadge } from "./badges";
import { AnswerForm, ClearOverrideForm, OverrideForm, WithdrawAnswerForm } from "./check-forms";
import { domId } from "./types";

function OverrideNote({ check, canEdit }: { check: CheckRowView; canEdit: boolean }) {
  const o = check.override;
  if (!o) return null;
  if (!o.active) {
    return o.expired ? (
      <div className="override-note expired" data-testid="override-expired">
        Override to {o.status} by {o.by} expired on {o.expiresOn}.
      </div>
    ) : null;
  }
  return (
    <div className="override-note" data-testid="override-note">
      <span>
        Override: <strong>{o.status}</strong> by {o.by} on {o.on}
        {o.expiresOn ? `, until ${o.expiresOn}` : ", no expiry"} — “{o.reason}”. Automated result:{" "}
        <StatusBadge status={check.automated?.status ?? "unknown"} /> {check.automated?.summary}
      </span>
      {canEdit ? <ClearOverrideForm check={check} /> : null}
    </div>
  );
}

/** A person's answer on an automated check (the toolbar, or "not applicable" on an "if applicable" one). */
function AnswerNote({ check, canEdit }: { check: CheckRowView; canEdit: boolean }) {
  const a = check.answerInForce;
  if (!a || check.kind !== "automated") return null;
  return (
    <div className="override-note" data-testid="answer-note">
      <span>
        {a.answer === "na" ? "Not applicable" : `Answered “${a.answer}”`} — {a.by} on {a.on}, until withdrawn.
      </span>
      {canEdit ? <WithdrawAnswerForm check={check} /> : null}
    </div>
  );
}

function History({ check }: { check: CheckRowView }) {
  if (check.history.length === 0) return null;
  return (
    <details className="check-history">
      <summary>History ({check.history.length})</summary>
      <ol>
        {check.history.map((h) => (
          <li key={h.key}>
            <span className="mono small">{h.when}</span> · {h.who} · {h.what}
            {h.note ? <span className="muted"> — {h.note}</span> : null}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** One checklist line: question, status, source, evidence in words, when, and (for editors) the forms. */
export function CheckRow({ check, canEdit }: { check: CheckRowView; canEdit: boolean }) {
  return (
    <li className={`check check-${check.status}`} id={domId(check.checkId)} data-check={check.checkId}>
      <div className="check-main">
        <StatusBadge status={check.status} />
        <div className="check-text">
          <div className="question">
            {check.question}
            {check.origin !== "handbook" ? (
              <span
                className="badge origin"
                data-testid="origin"
                title={check.origin === "custom" ? "Added by your team" : "An extra check beyond the handbook"}
              >
                {check.origin === "custom" ? "team" : "extra"}
              </span>
            ) : null}
          </div>
          <div className="summary">{check.summary}</div>
          {check.kind === "automated" ? <div className="rule muted small">{check.rule}</div> : null}
        </div>
        <div className="check-side small">
          <span className={`source source-${check.source}`} data-testid="source">
            {check.sourceLabel}
          </span>
          {check.when ? <span className="muted">{check.when}</span> : null}
          {check.stale ? <span className="badge stale">stale</span> : null}
        </div>
      </div>
      <OverrideNote check={check} canEdit={canEdit} />
      <AnswerNote check={check} canEdit={canEdit} />
      <History check={check} />
      {canEdit ? (
        check.kind === "manual" ? (
          <>
            <AnswerForm check={check} />
            {check.answerInForce ? <WithdrawAnswerForm check={check} /> : null}
          </>
        ) : (
          // Automated checks take an answer only where the rule leaves room for a person.
          <details className="check-edit no-print">
            <summary>{check.answers.length ? "Answer or override" : "Override"}</summary>
            <OverrideForm check={check} />
            {check.answers.length ? <AnswerForm check={check} /> : null}
          </details>
        )
      ) : null}
    </li>
  );
}
