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
  revenue?: string;
  revenuePeriod?: string;
  currency?: string;
  renewalDate?: string;
  /** Contact rows by number: `contacts.0.name` and so on, as the form posts them. */
  [contactField: `contacts.${number}.${"name" | "email" | "role"}`]: string | undefined;
};

/** The form fields of stored contacts. */
export function contactDefaults(contacts: { name: string; email: string | null; role: string | null }[]): CustomerFormDefaults {
  const out: CustomerFormDefaults = {};
  contacts.forEach((c, i) => {
    out[`contacts.${i}.name`] = c.name;
    out[`contacts.${i}.email`] = c.email ?? "";
    out[`contacts.${i}.role`] = c.role ?? "";
  });
  return out;
}

/** Rows to show: every filled one plus one blank, at least two. */
function contactRowCount(defaults: CustomerFormDefaults): number {
  let filled = 0;
  for (let i = 0; i < 20; i++)
    if (defaults[`contacts.${i}.name`] || defaults[`contacts.${i}.email`] || defaults[`contacts.${i}.role`]) filled = i + 1;
  return Math.min(20, Math.max(2, filled + 1));
}

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
      <fieldset className="stack">
        <legend>Commercial</legend>
        <div className="row">
          <Field
            name="revenue"
            label="Revenue"
            inputMode="decimal"
            defaultValue={defaults.revenue}
            errors={errors}
            hint="An amount without currency sign, e.g. 120000."
          />
          <SelectField
            name="revenuePeriod"
            label="Per"
            errors={errors}
            defaultValue={defaults.revenuePeriod || "year"}
            options={[
              { value: "year", label: "Year (ARR)" },
              { value: "month", label: "Month (MRR)" },
            ]}
          />
          <Field
            name="currency"
            label="Currency"
            maxLength={3}
            autoCapitalize="characters"
            placeholder="EUR"
            defaultValue={defaults.currency}
            errors={errors}
            hint="ISO 4217 code."
          />
          <Field name="renewalDate" label="Renewal date" type="date" defaultValue={defaults.renewalDate} errors={errors} />
        </div>
      </fieldset>
      <fieldset className="stack">
        <legend>Key contacts</legend>
        {errors?.contacts ? (
          <span className="error" role="alert">
            {errors.contacts}
          </span>
        ) : null}
        {Array.from({ length: contactRowCount(defaults) }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are positions, posted as contacts.N.*
          <div className="row" key={i} data-testid="contact-row">
            <Field
              name={`contacts.${i}.name`}
              label={`Contact ${i + 1} name`}
              maxLength={100}
              defaultValue={defaults[`contacts.${i}.name`]}
              errors={errors}
            />
            <Field
              name={`contacts.${i}.email`}
              label="E-mail"
              type="email"
              maxLength={254}
              defaultValue={defaults[`contacts.${i}.email`]}
              errors={errors}
            />
            <Field name={`contacts.${i}.role`} label="Role" maxLength={100} defaultValue={defaults[`contacts.${i}.role`]} errors={errors} />
          </div>
        ))}
        <span className="hint">Save to get another empty row.</span>
      </fieldset>
      <div>
        <button type="submit">{submitLabel}</button>
      </div>
    </Form>
  );
}
