import { z } from "zod";

export type FieldErrors = Record<string, string>;

/** First message per field, keyed by the top-level field name: what a form shows under each input. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form");
    out[key] ??= issue.message;
  }
  return out;
}

/** What a form may show beside the messages, e.g. a link to the customer a duplicate collides with. */
export type ErrorDetails = { duplicate?: { slug: string; name: string; archived: boolean } };

/** An expected, user-facing failure (bad input, duplicate, not found) with messages per field. */
export class InputError extends Error {
  constructor(
    readonly errors: FieldErrors,
    readonly details: ErrorDetails = {},
  ) {
    super(
      Object.entries(errors)
        .map(([k, v]) => (k === "form" ? v : `${k}: ${v}`))
        .join("; "),
    );
  }
}

// PostgreSQL text cannot hold NUL, and other C0 controls in a name or note are never intended.
const UNSTORABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
export const hasUnstorableCharacters = (text: string) => UNSTORABLE.test(text);

/** Parses or throws an InputError: one code path for the web edge and the CLI. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown): z.output<S> {
  if (input && typeof input === "object") {
    const bad = Object.entries(input).filter(([, v]) => typeof v === "string" && hasUnstorableCharacters(v));
    if (bad.length > 0)
      throw new InputError(Object.fromEntries(bad.map(([k]) => [k, "Contains control characters that cannot be stored"])));
  }
  const result = schema.safeParse(input);
  if (!result.success) throw new InputError(fieldErrors(result.error));
  return result.data;
}

/** "1,000,000", "1 000 000" and "1_000_000" are how people write quotas. */
export function parseCount(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const cleaned = value.trim().replace(/[,_\s]/g, "");
  return /^\d+$/.test(cleaned) ? Number(cleaned) : value;
}

/**
 * A row id as a form or a query sends it: digits only ("0x10" and "1e3" are not ids) and within
 * the database's integer range, so a huge number is a 400 rather than a database error.
 */
export const rowId = (label: string) =>
  z
    .string({ required_error: `${label} is missing` })
    .trim()
    .regex(/^\d{1,10}$/, `${label} is not a valid id`)
    .transform(Number)
    .pipe(z.number().int().min(1, `${label} is not a valid id`).max(2_147_483_647, `${label} is not a valid id`));
