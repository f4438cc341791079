import { useFetcher } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import type { CheckRowView } from "~/models/customer-page.server";
import { type ActionReply, domId, errorsOf, valuesOf } from "./types";

function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <span className="error" id={id} role="alert">
      {message}
    </span>
  );
}

const CHOICE_LABELS = { yes: "yes", no: "no", na: "n/a" } as const;

/**
 * yes / no / na with a note, limited to the answers the check takes: all three for manual checks
 * and the toolbar, only "not applicable" for the handbook's "if applicable" questions. The radios
 * show the answer in force. Saving keeps the form (and the focused button) in place and says so
 * in a status message, so keyboard and screen-reader users stay where they were.
 */
export function AnswerForm({ check }: { check: CheckRowView }) {
  const fetcher = useFetcher<ActionReply>();
  const id = domId(check.checkId);
  const errors = errorsOf(fetcher.data);
  const values = valuesOf(fetcher.data);
  const saved = check.answerInForce?.answer ?? "";
  const [choice, setChoice] = useState<string>(values?.answer ?? saved);
  const note = useRef<HTMLInputElement>(null);
  const busy = fetcher.state !== "idle";
  const reply = !busy && fetcher.data?.ok ? fetcher.data : null;
  const onlyNa = check.answers.length === 1 && check.answers[0] === "na";

  // A new answer in force (this form's save, or anyone's) is what the radios show.
  useEffect(() => setChoice(saved), [saved]);
  // After a save the note field starts empty again; the saved note is in the history.
  useEffect(() => {
    if (reply && note.current) note.current.value = "";
  }, [reply]);

  return (
    <fetcher.Form
      method="post"
      className="inline-form answer-form"
      data-testid={`answer-${id}`}
      // Not `disabled`: a disabled button loses focus to the page body.
      onSubmit={(event) => {
        if (busy) event.preventDefault();
      }}
    >
      <input type="hidden" name="intent" value="answer" />
      <input type="hidden" name="checkId" value={check.checkId} />
      {onlyNa ? (
        <input type="hidden" name="answer" value="na" />
      ) : (
        <fieldset
          className="choices"
          aria-invalid={errors?.answer ? true : undefined}
          aria-describedby={errors?.answer ? `${id}-answer-error` : undefined}
        >
          <legend className="visually-hidden">Answer to: {check.question}</legend>
          {check.answers.map((a) => (
            <label key={a}>
              <input type="radio" name="answer" value={a} checked={choice === a} onChange={() => setChoice(a)} /> {CHOICE_LABELS[a]}
            </label>
          ))}
        </fieldset>
      )}
      <input
        ref={note}
        name="note"
        id={`${id}-note`}
        aria-label={onlyNa ? "Why it does not apply" : "Note"}
        placeholder={onlyNa ? "Why it does not apply (optional)" : "Note (optional)"}
        defaultValue={values?.note ?? ""}
        aria-invalid={errors?.note ? true : undefined}
      />
      <button type="submit" className="secondary" aria-disabled={busy || undefined}>
        {onlyNa ? "Mark not applicable" : "Save answer"}
      </button>
      <span className="save-status small" role="status" data-testid={`answer-status-${id}`}>
        {busy ? "Saving…" : reply ? (reply.message ?? "Saved") : ""}
      </span>
      <FieldError id={`${id}-answer-error`} message={errors?.answer ?? errors?.checkId} />
      <FieldError id={`${id}-note-error`} message={errors?.note} />
    </fetcher.Form>
  );
}

/** Takes back the answer in force; the check is then decided as if never answered. */
export function WithdrawAnswerForm({ check }: { check: CheckRowView }) {
  const fetcher = useFetcher<ActionReply>();
  const errors = errorsOf(fetcher.data);
  return (
    <fetcher.Form method="post" className="inline" data-testid={`withdraw-${domId(check.checkId)}`}>
      <input type="hidden" name="intent" value="withdraw-answer" />
      <input type="hidden" name="checkId" value={check.checkId} />
      <button type="submit" className="secondary small-button" disabled={fetcher.state !== "idle"}>
        {check.answerInForce?.answer === "na" && check.kind === "automated" ? "Withdraw “not applicable”" : "Withdraw answer"}
      </button>
      <FieldError id={`${domId(check.checkId)}-withdraw-error`} message={errors?.checkId} />
    </fetcher.Form>
  );
}

/** Override an automated result: status, a required reason, an optional expiry date. */
export function OverrideForm({ check }: { check: CheckRowView }) {
  const fetcher = useFetcher<ActionReply>();
  const id = domId(check.checkId);
  const errors = errorsOf(fetcher.data);
  const values = valuesOf(fetcher.data);
  return (
    <fetcher.Form method="post" className="inline-form override-form" key={check.history.length} data-testid={`override-${id}`}>
      <input type="hidden" name="intent" value="override" />
      <input type="hidden" name="checkId" value={check.checkId} />
      <label>
        Override to{" "}
        <select name="status" id={`${id}-status`} defaultValue={values?.status ?? "pass"}>
          <option value="pass">pass</option>
          <option value="fail">fail</option>
          <option value="na">n/a</option>
        </select>
      </label>
      <input
        name="reason"
        id={`${id}-reason`}
        aria-label="Reason"
        placeholder="Reason (required)"
        defaultValue={values?.reason ?? ""}
        aria-invalid={errors?.reason ? true : undefined}
      />
      <label>
        Expires on{" "}
        <input
          type="date"
          name="expiresAt"
          id={`${id}-expiresAt`}
          defaultValue={values?.expiresAt ?? ""}
          aria-invalid={errors?.expiresAt ? true : undefined}
        />
      </label>
      <button type="submit" className="secondary" disabled={fetcher.state !== "idle"}>
        Override
      </button>
      <FieldError id={`${id}-status-error`} message={errors?.status ?? errors?.checkId} />
      <FieldError id={`${id}-reason-error`} message={errors?.reason} />
      <FieldError id={`${id}-expiresAt-error`} message={errors?.expiresAt} />
    </fetcher.Form>
  );
}

export function ClearOverrideForm({ check }: { check: CheckRowView }) {
  const fetcher = useFetcher<ActionReply>();
  return (
    <fetcher.Form method="post" className="inline">
      <input type="hidden" name="intent" value="clear-override" />
      <input type="hidden" name="checkId" value={check.checkId} />
      <button type="submit" className="danger small-button" disabled={fetcher.state !== "idle"}>
        Clear override
      </button>
    </fetcher.Form>
  );
}
