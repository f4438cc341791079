import { Link, useFetcher, useSearchParams } from "@remix-run/react";
import { utcLabel } from "~/components/ui/relative-time";
import { OVERDUE_TEXT } from "~/models/catchup-overdue";
import type { CatchupPackData } from "~/models/catchup-pack.server";
import { type ActionReply, errorsOf, valuesOf } from "./types";

function Err({ id, message }: { id: string; message?: string }) {
  return message ? (
    <span className="error" id={id} role="alert">
      {message}
    </span>
  ) : null;
}

/**
 * Schedule a catch-up, or record one that was held (optionally the outcome of a scheduled one).
 * An overdue one can also be moved to a new date.
 */
export function CatchupForm({
  upcoming,
  overdue,
  today,
  count,
}: {
  upcoming: CatchupPackData["upcoming"];
  overdue: CatchupPackData["overdue"];
  today: string;
  count: number;
}) {
  const fetcher = useFetcher<ActionReply>();
  const [params] = useSearchParams();
  const recording = [...upcoming, ...overdue].find((c) => String(c.id) === params.get("record")) ?? null;
  const isOverdue = recording !== null && recording.date < today;
  const errors = errorsOf(fetcher.data);
  const values = valuesOf(fetcher.data);
  const reply = fetcher.data;
  return (
    <section className="panel no-print" aria-labelledby="catchup-form-heading">
      <h2 id="catchup-form-heading">
        {recording
          ? isOverdue
            ? `Record or reschedule the catch-up of ${recording.date}`
            : `Record the catch-up of ${recording.date}`
          : "Schedule or record a catch-up"}
      </h2>
      {reply?.ok ? (
        <p className="notice" role="status" data-testid="catchup-saved">
          {reply.message}
        </p>
      ) : null}
      {errors?.form ? (
        <div className="form-error" role="alert">
          {errors.form}
        </div>
      ) : null}
      <fetcher.Form method="post" className="stack catchup-form" key={`${count}-${recording?.id ?? ""}`}>
        {recording ? <input type="hidden" name="id" value={recording.id} /> : null}
        <div className="row">
          <div className="field">
            <label htmlFor="f-date">Date</label>
            <input
              type="date"
              id="f-date"
              name="date"
              defaultValue={values?.date ?? recording?.date ?? today}
              aria-invalid={errors?.date ? true : undefined}
              aria-describedby={errors?.date ? "f-date-error" : undefined}
            />
            <Err id="f-date-error" message={errors?.date} />
          </div>
          <div className="field">
            <label htmlFor="f-attendees">Attendees</label>
            <input
              id="f-attendees"
              name="attendees"
              defaultValue={values?.attendees ?? recording?.attendees ?? ""}
              placeholder="Who was there"
              aria-invalid={errors?.attendees ? true : undefined}
            />
            <Err id="f-attendees-error" message={errors?.attendees} />
          </div>
        </div>
        <div className="field">
          <label htmlFor="f-notes">Notes</label>
          <textarea
            id="f-notes"
            name="notes"
            defaultValue={values?.notes ?? recording?.notes ?? ""}
            maxLength={5000}
            aria-invalid={errors?.notes ? true : undefined}
          />
          <Err id="f-notes-error" message={errors?.notes} />
        </div>
        <div className="row">
          <button type="submit" name="intent" value="record" disabled={fetcher.state !== "idle"}>
            Record as held
          </button>
          {recording && !isOverdue ? null : (
            <button type="submit" name="intent" value="schedule" className="secondary" disabled={fetcher.state !== "idle"}>
              {isOverdue ? "Reschedule to this date" : "Schedule"}
            </button>
          )}
        </div>
      </fetcher.Form>
    </section>
  );
}

function CancelButton({ id }: { id: number }) {
  const fetcher = useFetcher<ActionReply>();
  return (
    <fetcher.Form method="post" className="inline">
      <input type="hidden" name="intent" value="cancel" />
      <input type="hidden" name="id" value={id} />
      <button type="submit" className="danger small-button" disabled={fetcher.state !== "idle"}>
        Cancel
      </button>
    </fetcher.Form>
  );
}

type Row = CatchupPackData["past"][number];

export type CatchupVersionView = {
  id: number;
  date: string;
  status: string;
  attendees: string;
  notes: string;
  recordedBy: string;
  recordedAt: string;
};

/** Every earlier version of a catch-up that was saved again: who, when, and what it said. */
function History({ versions }: { versions?: CatchupVersionView[] }) {
  if (!versions || versions.length < 2) return null;
  return (
    <details className="catchup-history" data-testid="catchup-history">
      <summary>History ({versions.length} versions)</summary>
      <ol>
        {[...versions].reverse().map((v) => (
          <li key={v.id}>
            <span className="muted small">
              {utcLabel(v.recordedAt)} by {v.recordedBy}:
            </span>{" "}
            <strong>{v.date}</strong> {v.status}
            {v.attendees ? <span> · {v.attendees}</span> : null}
            {v.notes ? <div className="history-notes">{v.notes}</div> : null}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** Upcoming, overdue and past catch-ups; editors can record the outcome of, or cancel, a scheduled one. */
export function CatchupList({
  upcoming,
  overdue,
  past,
  history = {},
  canEdit,
}: {
  upcoming: Row[];
  overdue: Row[];
  past: Row[];
  history?: Record<string, CatchupVersionView[]>;
  canEdit: boolean;
}) {
  return (
    <section className="panel no-print" aria-labelledby="catchups-heading">
      <h2 id="catchups-heading">Catch-ups</h2>
      <h3>Upcoming</h3>
      {upcoming.length === 0 ? <p className="muted">None scheduled.</p> : null}
      <ul className="catchup-list" data-testid="upcoming">
        {upcoming.map((c) => (
          <li key={c.id}>
            <strong>{c.date}</strong> <span className="badge status-na">scheduled</span> {c.attendees ? <span>{c.attendees}</span> : null}
            {canEdit ? (
              <>
                <Link to={`?record=${c.id}`}>Record outcome</Link> <CancelButton id={c.id} />
              </>
            ) : null}
            <History versions={history[c.id]} />
          </li>
        ))}
      </ul>
      {overdue.length ? (
        <>
          <h3>Overdue</h3>
          <ul className="catchup-list" data-testid="overdue">
            {overdue.map((c) => (
              <li key={c.id}>
                <strong>{c.date}</strong> <span className="badge status-fail">{OVERDUE_TEXT}</span>{" "}
                {c.attendees ? <span>{c.attendees}</span> : null}
                {canEdit ? (
                  <>
                    <Link to={`?record=${c.id}`}>Record or reschedule</Link> <CancelButton id={c.id} />
                  </>
                ) : null}
                <History versions={history[c.id]} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h3>Past</h3>
      {past.length === 0 ? <p className="muted">None yet.</p> : null}
      <ul className="catchup-list" data-testid="past">
        {past.map((c) => (
          <li key={c.id}>
            <strong>{c.date}</strong> <span className={`badge ${c.status === "held" ? "status-pass" : "status-unknown"}`}>{c.status}</span>
            {c.attendees ? <span>{c.attendees}</span> : null}
            {c.notes ? <span className="muted small">{c.notes.length > 140 ? `${c.notes.slice(0, 140)}…` : c.notes}</span> : null}
            <History versions={history[c.id]} />
          </li>
        ))}
      </ul>
    </section>
  );
}
