import { Form, Link } from "@remix-run/react";
import { useState } from "react";
import { Field, FormError, SelectField } from "~/components/ui/field";

export type CustomerFormDefaults = {
  name?: string;
  posthogRegion?: string;
  customHost?: string;
  projectId?: string;
  planId?: string;
  billingDay?: string;
  ownerId?: string;
};

type Props = {
  defaults: CustomerFormDefaults;
  errors?: Record<string, string> | null;
  plans: { id: number; name: string }[];
  users: { id: number; name: string }[];
  /** The customer already on the PostHog project entered, to link to. */
  duplicate?: { slug: string; name: string; archived: boolean };
  /** Present on edit: the stored key, masked. */
  maskedKey?: string;
  submitLabel: string;
};

export function CustomerForm({ defaults, errors, plans, users, duplicate, maskedKey, submitLabel }: Props) {
  const [region, setRegion] = useState(defaults.posthogRegion ?? "us");
  const hostError = errors?.posthogHost ? { customHost: errors.posthogHost, posthogRegion: errors.posthogHost } : null;
  return (
    <Form method="post" className="stack" noValidate>
      <FormError errors={errors} />
      <Field name="name" label="Customer name" required maxLength={100} defaultValue={defaults.name} errors={errors} />
      <div className="row">
        <Field name="posthogRegion" label="PostHog instance" errors={region === "custom" ? null : hostError}>
          <select id="f-posthogRegion" name="posthogRegion" value={region} onChange={(e) => setRegion(e.target.value)}>
            <option value="us">US Cloud (us.posthog.com)</option>
            <option value="eu">EU Cloud (eu.posthog.com)</option>
            <option value="custom">Self-hosted / other URL</option>
          </select>
        </Field>
        {region === "custom" ? (
          <Field
            name="customHost"
            label="PostHog URL"
            placeholder="https://posthog.example.com"
            defaultValue={defaults.customHost}
            errors={hostError}
          />
        ) : null}
      </div>
      <div className="row">
        <Field
          name="projectId"
          label="Project id"
          inputMode="numeric"
          defaultValue={defaults.projectId}
          errors={errors}
          hint="The number in your PostHog project URL: /project/12345"
        />
        <Field
          name="apiKey"
          label="Personal API key"
          type="password"
          autoComplete="off"
          placeholder={maskedKey ? `Leave blank to keep ${maskedKey}` : "phx_…"}
          errors={errors}
          hint={
            maskedKey ? (
              <>
                Stored key:{" "}
                <span className="mono" data-testid="masked-key">
                  {maskedKey}
                </span>
                . Re-enter it if you change the instance.
              </>
            ) : (
              "Read-only scopes are enough; it is encrypted at rest and never shown again."
            )
          }
        />
      </div>
      {duplicate ? (
        <p className="notice" data-testid="duplicate-link">
          <Link to={`/customers/${duplicate.slug}`}>Open {duplicate.name}</Link>
          {duplicate.archived ? " (archived)" : ""}
        </p>
      ) : null}
      <div className="row">
        <SelectField
          name="planId"
          label="Plan"
          errors={errors}
          defaultValue={defaults.planId ?? ""}
          options={[{ value: "", label: "No plan" }, ...plans.map((p) => ({ value: String(p.id), label: p.name }))]}
        />
        <Field
          name="billingDay"
          label="Billing day"
          inputMode="numeric"
          defaultValue={defaults.billingDay ?? "1"}
          errors={errors}
          hint="Day of the month the plan renews (1–31; a shorter month renews on its last day)."
        />
        <SelectField
          name="ownerId"
          label="Owner"
          errors={errors}
          defaultValue={defaults.ownerId ?? ""}
          options={[{ value: "", label: "Nobody" }, ...users.map((u) => ({ value: String(u.id), label: u.name }))]}
        />
      </div>
      <div>
        <button type="submit">{submitLabel}</button>
      </div>
    </Form>
  );
}
