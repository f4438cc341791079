import type { ReactNode } from "react";

type FieldProps = {
  name: string;
  label: string;
  errors?: Record<string, string> | null;
  hint?: ReactNode;
  children?: ReactNode;
} & Omit<React.InputHTMLAttributes<HTMLInputElement>, "name">;

/** A labelled input with its error underneath, wired for screen readers. */
export function Field({ name, label, errors, hint, children, ...input }: FieldProps) {
  const error = errors?.[name];
  const id = `f-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children ?? (
        <input
          id={id}
          name={name}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          {...input}
        />
      )}
      {hint ? <span className="hint">{hint}</span> : null}
      {error ? (
        <span className="error" id={`${id}-error`} role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function FormError({ errors }: { errors?: Record<string, string> | null }) {
  if (!errors?.form) return null;
  return (
    <div className="form-error" role="alert">
      {errors.form}
    </div>
  );
}

export function SelectField({
  name,
  label,
  errors,
  options,
  defaultValue,
  hint,
}: {
  name: string;
  label: string;
  errors?: Record<string, string> | null;
  options: { value: string; label: string }[];
  defaultValue?: string;
  hint?: ReactNode;
}) {
  const error = errors?.[name];
  return (
    <Field name={name} label={label} errors={errors} hint={hint}>
      <select id={`f-${name}`} name={name} defaultValue={defaultValue} aria-invalid={error ? true : undefined}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}
