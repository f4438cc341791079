import { Form, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { Field, FormError } from "~/components/ui/field";
import { TableScroll } from "~/components/ui/table-scroll";
import { type ChecklistSettings, failureFor, type SettingsReply } from "./types";

const inputId = (checkId: string) => `w-${checkId.replace(/\./g, "-")}`;

/** Weights of every check in force and the band thresholds; saving makes the next scoring version. */
export function ScoringPanel({ settings, canEdit, reply }: { settings: ChecklistSettings; canEdit: boolean; reply?: SettingsReply }) {
  const failure = failureFor(reply, "scoring");
  const errors = failure?.errors;
  const typed = failure?.values ?? {};
  const { scoring } = settings;
  return (
    <section className="panel" aria-labelledby="scoring-heading">
      <h2 id="scoring-heading">
        Scoring{" "}
        <span className="muted small" data-testid="scoring-version">
          version {scoring.version}
        </span>
      </h2>
      <p className="muted">
        Weight 0 keeps a check on the checklist but out of the score. Saving creates a new version and re-assesses every customer under it
        (in the background); older scores keep theirs.
      </p>
      <RescoringProgress progress={settings.rescoring} />
      <Form method="post" className="stack" noValidate>
        <FormError errors={errors} />
        <input type="hidden" name="intent" value="scoring" />
        <div className="row">
          <Field
            name="healthy"
            label="Healthy from"
            inputMode="numeric"
            defaultValue={typed.healthy ?? String(scoring.bands.healthy)}
            errors={errors}
            readOnly={!canEdit}
          />
          <Field
            name="concerning"
            label="Concerning from"
            inputMode="numeric"
            defaultValue={typed.concerning ?? String(scoring.bands.concerning)}
            errors={errors}
            readOnly={!canEdit}
            hint="below it: poor"
          />
        </div>
        <TableScroll label="Check weights">
          <table data-testid="weights" className="stack-on-phone">
            <thead>
              <tr>
                <th>Check</th>
                <th>Section</th>
                <th className="num">Weight</th>
              </tr>
            </thead>
            <tbody>
              {scoring.rows.map((r) => {
                const name = `w:${r.id}`;
                const error = errors?.[name];
                return (
                  <tr key={r.id}>
                    <td data-label="Check">
                      <label htmlFor={inputId(r.id)}>{r.question}</label> <span className="mono small muted">{r.id}</span>
                      {r.origin !== "handbook" ? <span className="badge small"> {r.origin === "custom" ? "team" : "extra"}</span> : null}
                    </td>
                    <td className="small" data-label="Section">
                      {r.section}
                    </td>
                    <td className="num" data-label="Weight">
                      <input
                        id={inputId(r.id)}
                        name={name}
                        inputMode="numeric"
                        size={3}
                        defaultValue={typed[name] ?? String(r.weight)}
                        readOnly={!canEdit}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={error ? `${inputId(r.id)}-error` : undefined}
                      />
                      {error ? (
                        <span className="error" id={`${inputId(r.id)}-error`} role="alert">
                          {error}
                        </span>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
        {canEdit ? (
          <div>
            <button type="submit">Save as new scoring version</button>
          </div>
        ) : null}
      </Form>
    </section>
  );
}

/** Every scoring version, newest first: who, when and what changed. */
export function VersionsList({ settings }: { settings: ChecklistSettings }) {
  return (
    <section className="panel" aria-labelledby="versions-heading">
      <h2 id="versions-heading">Scoring versions</h2>
      <ol className="plain" data-testid="scoring-versions">
        {settings.versions.map((v) => (
          <li key={v.number} data-version={v.number}>
            <strong>v{v.number}</strong> · {v.when} · {v.author} · bands {v.bands.healthy}/{v.bands.concerning}
            <ul className="small muted">
              {v.changed.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** While customers are still being re-assessed under the version in force: how far it got, updated every 2 s. */
function RescoringProgress({ progress }: { progress: ChecklistSettings["rescoring"] }) {
  const { revalidate, state } = useRevalidator();
  const running = progress.done < progress.total;
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(() => {
      if (state === "idle") revalidate();
    }, 2_000);
    return () => clearTimeout(timer);
  }, [running, revalidate, state]);
  if (!running) return null;
  return (
    <p className="notice" role="status" data-testid="rescoring-progress">
      Re-assessing customers under scoring version {progress.version}: {progress.done} of {progress.total} done.
    </p>
  );
}
