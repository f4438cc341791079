import { data } from "@remix-run/node";
import { type ErrorDetails, type FieldErrors, InputError } from "./validation.server";

/** The submitted text fields, minus secrets, to re-render a form exactly as the user typed it. */
export function formValues(formData: FormData, omit: string[] = []): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData.entries()) {
    if (typeof value === "string" && !omit.includes(key)) values[key] = value;
  }
  return values;
}

export type FormFailure = { ok: false; errors: FieldErrors; values: Record<string, string>; details?: ErrorDetails };

/**
 * Runs a mutation; an InputError becomes a 400 with a message per field and the values the user
 * typed (secrets excluded), anything else propagates to the error boundary.
 */
export async function handleForm<T>(formData: FormData, run: () => Promise<T>, options: { secretFields?: string[] } = {}) {
  try {
    return { ok: true as const, result: await run() };
  } catch (error) {
    if (error instanceof InputError) {
      return {
        ok: false as const,
        response: data<FormFailure>(
          { ok: false, errors: error.errors, values: formValues(formData, options.secretFields), details: error.details },
          { status: 400 },
        ),
      };
    }
    throw error;
  }
}
