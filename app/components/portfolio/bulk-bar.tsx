import { Form, useNavigation } from "@remix-run/react";

export const BULK_FORM_ID = "portfolio-bulk";

export type BulkResult =
  | { ok: true; intent: "reassign"; changed: number; unchanged: number; skipped: number; ownerName: string | null }
  | { ok: true; intent: "refresh"; queued: number; skipped: number }
  | { ok: false; errors: Record<string, string> };

/**
 * Work on the selected rows: give them one owner, or refresh them in the background. The row
 * checkboxes belong to this form (form attribute), so the table stays a plain table.
 */
export function BulkBar({
  count,
  owners,
  result,
  onClear,
}: {
  count: number;
  /** Users who may own customers: admins and csms. */
  owners: { id: number; name: string }[];
  result: BulkResult | undefined;
  onClear: () => void;
}) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formData?.get("intent") != null;
  const errors = result && !result.ok ? result.errors : {};
  return (
    <Form method="post" id={BULK_FORM_ID} className="bulk-bar" aria-label="Selected customers" preventScrollReset>
      <span className="bulk-count" aria-live="polite" data-testid="bulk-count">
        {count === 0 ? "Select customers to reassign or refresh them" : `${count} selected`}
      </span>
      <label>
        <span className="sr-only">New owner</span>
        <select name="owner" defaultValue="" aria-invalid={errors.owner ? true : undefined} data-testid="bulk-owner">
          <option value="" disabled>
            New owner…
          </option>
          <option value="none">No owner</option>
          {owners.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" name="intent" value="reassign" disabled={count === 0 || busy} data-testid="bulk-reassign">
        Reassign
      </button>
      <button type="submit" name="intent" value="refresh" className="secondary" disabled={count === 0 || busy} data-testid="bulk-refresh">
        Refresh
      </button>
      {count > 0 ? (
        <button type="button" className="link-button" onClick={onClear}>
          Clear selection
        </button>
      ) : null}
      <p className="bulk-message" role="status" data-testid="bulk-message">
        {result?.ok && result.intent === "reassign"
          ? `${result.changed} ${result.changed === 1 ? "customer" : "customers"} now owned by ${result.ownerName ?? "nobody"}${
              result.unchanged ? ` (${result.unchanged} already were)` : ""
            }${result.skipped ? `; ${result.skipped} archived or gone, left alone` : ""}.`
          : result?.ok && result.intent === "refresh"
            ? `Refreshing ${result.queued} ${result.queued === 1 ? "customer" : "customers"} in the background: scores update as each finishes.${
                result.skipped ? ` ${result.skipped} archived or gone, left alone.` : ""
              }`
            : Object.values(errors).join(" ")}
      </p>
    </Form>
  );
}
