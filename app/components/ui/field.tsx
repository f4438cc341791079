import { type ReactNode, useEffect, useRef } from "react";

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

/**
 * The form-wide error, and the focus after a refused submit: it moves to the first invalid field
 * of the form (or to this message when no field is to blame), so keyboard and screen-reader users
 * land on what needs fixing instead of the top of the page. Every form renders one.
 */
export function FormError({ errors }: { errors?: Record<string, string> | null }) {
  const marker = useRef<HTMLSpanElement>(null);
  const summary = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!errors || Object.keys(errors).length === 0) return;
    const form = (summary.current ?? marker.current)?.closest("form");
    const field = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (field ?? summary.current)?.focus();
  }, [errors]);
  if (!errors?.form) return errors ? <span hidden ref={marker} /> : null;
  return (
    <div className="form-error" role="alert" ref={summary} tabIndex={-1}>
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
