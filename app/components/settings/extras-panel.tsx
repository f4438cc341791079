import { Form } from "@remix-run/react";
import { Field, FormError } from "~/components/ui/field";
import { type ChecklistSettings, failureFor, type SettingsReply } from "./types";

/** delight's checks beyond the handbook, off until switched on, and the outdated-SDK minimums. */
export function ExtrasPanel({ settings, canEdit, reply }: { settings: ChecklistSettings; canEdit: boolean; reply?: SettingsReply }) {
  const failure = failureFor(reply, "extras");
  return (
    <section className="panel" aria-labelledby="extras-heading">
      <h2 id="extras-heading">Extra checks</h2>
      <Form method="post" className="stack" noValidate>
        <FormError errors={failure?.errors} />
        <input type="hidden" name="intent" value="extras" />
        <ul className="plain">
          {settings.extras.map((x) => (
            <li key={x.id} className="settings-choice">
              <label>
                <input type="checkbox" name="extras" value={x.id} defaultChecked={x.enabled} disabled={!canEdit} />{" "}
                <strong>{x.question}</strong> <span className="mono small">{x.id}</span>
              </label>
              <div className="muted small">{x.rule}</div>
            </li>
          ))}
        </ul>
        <Field
          name="minSdkVersions"
          label="Minimum SDK version per $lib"
          defaultValue={failure?.values.minSdkVersions ?? settings.minSdkVersions}
          errors={failure?.errors}
          readOnly={!canEdit}
          hint="lib=version, comma separated, e.g. web=1.150.0, posthog-node=4.0.0"
        />
        {canEdit ? (
          <div>
            <button type="submit">Save extra checks</button>
          </div>
        ) : null}
      </Form>
    </section>
  );
}
