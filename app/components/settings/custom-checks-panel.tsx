import { Form } from "@remix-run/react";
import { Field, FormError, SelectField } from "~/components/ui/field";
import { TableScroll } from "~/components/ui/table-scroll";
import { type ChecklistSettings, failureFor, type SettingsReply } from "./types";

const SECTIONS = [
  { value: "setup", label: "Setup" },
  { value: "training", label: "Training" },
  { value: "value", label: "Value over time" },
];

/** The team's own questions: listed with their status, added and retired by admins. */
export function CustomChecksPanel({ settings, canEdit, reply }: { settings: ChecklistSettings; canEdit: boolean; reply?: SettingsReply }) {
  const failure = failureFor(reply, "add-check");
  const errors = failure?.errors;
  const v = failure?.values ?? {};
  return (
    <section className="panel" aria-labelledby="custom-checks-heading">
      <h2 id="custom-checks-heading">Team checks</h2>
      <p className="muted">
        Questions your team adds to the handbook&apos;s {settings.builtIn}. Manual ones are answered on each customer&apos;s checklist;
        event ones are counted from PostHog at each refresh, in the same single query. Retired checks stop counting but keep their history.
      </p>
      <TableScroll label="Team checks">
        <table data-testid="custom-checks" className="stack-on-phone">
          <thead>
            <tr>
              <th>Id</th>
              <th>Question</th>
              <th>How</th>
              <th className="num">Weight</th>
              <th>Plans</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {settings.custom.length === 0 ? (
              <tr>
                <td colSpan={6} className="muted">
                  No team checks yet.
                </td>
              </tr>
            ) : null}
            {settings.custom.map((c) => (
              <tr key={c.id} data-custom-check={c.id}>
                <td className="mono small" data-label="Id">
                  {c.id}
                </td>
                <td data-label="Question">
                  {c.question} <span className="muted small">({c.section})</span>
                </td>
                <td className="small" data-label="How">
                  {c.rule}
                </td>
                <td className="num" data-label="Weight">
                  {c.weight}
                </td>
                <td className="small" data-label="Plans">
                  {c.plans}
                </td>
                <td className="small" data-label="Status">
                  {c.retired ? (
                    <span data-testid="retired">retired {c.retired}</span>
                  ) : canEdit ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value="retire-check" />
                      <input type="hidden" name="id" value={c.id} />
                      <button type="submit" className="secondary">
                        Retire
                      </button>
                    </Form>
                  ) : (
                    "active"
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {canEdit ? (
        <Form method="post" className="stack" noValidate style={{ marginTop: "1rem" }} aria-label="Add a team check">
          <h3>Add a check</h3>
          <FormError errors={errors} />
          <input type="hidden" name="intent" value="add-check" />
          <div className="row">
            <SelectField name="section" label="Section" options={SECTIONS} defaultValue={v.section ?? "setup"} errors={errors} />
            <SelectField
              name="kind"
              label="Kind"
              options={[
                { value: "manual", label: "Manual (a person answers)" },
                { value: "event", label: "Event count from PostHog" },
              ]}
              defaultValue={v.kind ?? "manual"}
              errors={errors}
            />
            <Field
              name="weight"
              label="Weight"
              inputMode="numeric"
              defaultValue={v.weight ?? "1"}
              errors={errors}
              hint="0–10; 0 keeps it out of the score"
            />
          </div>
          <Field name="question" label="Question" defaultValue={v.question} errors={errors} maxLength={300} />
          <fieldset className="event-definition">
            <legend>Event checks only</legend>
            <div className="row">
              <Field name="event" label="Event" defaultValue={v.event} errors={errors} hint="e.g. signed_up or $pageview" />
              <Field name="property" label="Property (optional)" defaultValue={v.property} errors={errors} hint="e.g. $host" />
              <SelectField
                name="operator"
                label="Compare"
                options={[{ value: "", label: "—" }, ...settings.operators]}
                defaultValue={v.operator ?? ""}
                errors={errors}
              />
              <Field
                name="value"
                label="Value"
                defaultValue={v.value}
                errors={errors}
                hint="contains ignores case; greater / less than take a number"
              />
            </div>
            <div className="row">
              <SelectField
                name="count"
                label="Count"
                options={[
                  { value: "events", label: "events" },
                  { value: "persons", label: "unique persons" },
                ]}
                defaultValue={v.count ?? "events"}
                errors={errors}
              />
              <Field name="minCount" label="At least" inputMode="numeric" defaultValue={v.minCount ?? "1"} errors={errors} />
              <Field
                name="days"
                label="In the last (days)"
                inputMode="numeric"
                defaultValue={v.days ?? "30"}
                errors={errors}
                hint="1–90, each 24 hours back from the refresh"
              />
            </div>
          </fieldset>
          {settings.plans.length ? (
            <Field name="plans" label="Applies to plans (none ticked = all)" errors={errors}>
              <div className="row" id="f-plans">
                {settings.plans.map((p) => (
                  <label key={p.id} className="small settings-choice">
                    <input type="checkbox" name="plans" value={p.id} /> {p.name}
                  </label>
                ))}
              </div>
            </Field>
          ) : null}
          <div>
            <button type="submit">Add check</button>
          </div>
        </Form>
      ) : null}
    </section>
  );
}
