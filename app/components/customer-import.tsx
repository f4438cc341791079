import { Form } from "@remix-run/react";
import { formatMoney } from "~/models/commercial";

type Staged = {
  id: string;
  fileName: string;
  rowCount: number;
  ready: number;
  problems: { row: number; column: string; message: string }[];
  rows: {
    row: number;
    name: string;
    posthogHost: string;
    projectId: number;
    planName: string | null;
    ownerEmail: string | null;
    arr: number | null;
    currency: string | null;
    renewalDate: string | null;
    contacts: number;
  }[];
};

/** A wide table that scrolls inside itself on a phone; focusable so a keyboard can scroll it (axe). */
function ScrollRegion({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must take focus so keyboard users can scroll it
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

/** Step 2: what the file holds, every bad row and why, and the confirmation. */
export function ImportPreviewView({ staged, busy }: { staged: Staged; busy: boolean }) {
  const bad = new Set(staged.problems.map((p) => p.row)).size;
  return (
    <>
      <div className="panel" data-testid="import-preview">
        <h2>2. Check {staged.fileName}</h2>
        <p data-testid="import-summary">
          {staged.rowCount} {staged.rowCount === 1 ? "row" : "rows"}: <strong>{staged.ready} ready</strong>
          {bad > 0 ? (
            <>
              , <strong className="text-bad">{bad} with problems</strong> (listed below; fix them in the file and check it again, or import
              the ready rows now)
            </>
          ) : null}
          .
        </p>
        {staged.problems.length > 0 ? (
          <ScrollRegion label="Rows with problems">
            <table data-testid="import-problems">
              <caption className="sr-only">Rows with problems</caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Column</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {staged.problems.map((p) => (
                  <tr key={`${p.row}-${p.column}`}>
                    <td className="num">{p.row}</td>
                    <td className="mono">{p.column}</td>
                    <td>{p.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        ) : null}
        {staged.ready > 0 ? (
          <Form method="post" className="stack import-confirm">
            <input type="hidden" name="intent" value="import" />
            <input type="hidden" name="id" value={staged.id} />
            {bad > 0 ? (
              <label className="filter-check">
                <input type="checkbox" name="allOrNothing" /> All or nothing: import none while any row has a problem
              </label>
            ) : null}
            <div>
              <button type="submit" disabled={busy}>
                Import {staged.ready} {staged.ready === 1 ? "customer" : "customers"}
              </button>
            </div>
          </Form>
        ) : (
          <p className="muted">No row is ready to import.</p>
        )}
      </div>
      {staged.rows.length > 0 ? (
        <div className="panel">
          <h2>Ready to import</h2>
          <ScrollRegion label="Rows ready to import">
            <table data-testid="import-ready">
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Name</th>
                  <th scope="col">PostHog</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Owner</th>
                  <th scope="col">ARR</th>
                  <th scope="col">Renewal</th>
                  <th scope="col">Contacts</th>
                </tr>
              </thead>
              <tbody>
                {staged.rows.map((r) => (
                  <tr key={r.row}>
                    <td className="num">{r.row}</td>
                    <td>{r.name}</td>
                    <td>
                      {r.posthogHost.replace(/^https:\/\//, "")} · {r.projectId}
                    </td>
                    <td>{r.planName ?? "—"}</td>
                    <td>{r.ownerEmail ?? "—"}</td>
                    <td className="num">{r.arr !== null && r.currency ? formatMoney(r.arr, r.currency) : "—"}</td>
                    <td>{r.renewalDate ?? "—"}</td>
                    <td className="num">{r.contacts}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          {staged.ready > staged.rows.length ? <p className="muted">and {staged.ready - staged.rows.length} more.</p> : null}
        </div>
      ) : null}
    </>
  );
}

const EXAMPLE = `name,host,project_id,api_key,plan,billing_day,owner_email,arr,currency,renewal_date,contacts
Acme Analytics,us,12345,phx_…,Growth,15,casey@example.com,120000,EUR,2027-03-31,"Ada Lovelace <ada@acme.example> (CTO); Bob (champion)"
Zürich GmbH,eu,678,phx_…,,1,,,,,`;

/** The file format, on the page where it is needed. */
export function ImportFormat() {
  return (
    <details className="panel import-format">
      <summary>The file format</summary>
      <p>
        A header row, then one customer per row. Required: <code>name</code>, <code>host</code> (<code>us</code>, <code>eu</code> or your
        PostHog URL), <code>project_id</code>, <code>api_key</code> (a personal API key). Optional: <code>plan</code> (a plan&apos;s name),{" "}
        <code>billing_day</code> (1–31), <code>owner_email</code> (an admin or csm), <code>arr</code> <em>or</em> <code>mrr</code> with{" "}
        <code>currency</code> (ISO 4217, e.g. EUR), <code>renewal_date</code> (YYYY-MM-DD), and contacts as <code>contacts</code> (
        <code>Name &lt;e-mail&gt; (role)</code>, several separated by <code>;</code>) or one contact in <code>contact_name</code>,{" "}
        <code>contact_email</code>, <code>contact_role</code>.
      </p>
      <pre className="example">{EXAMPLE}</pre>
    </details>
  );
}
