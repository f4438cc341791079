import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ImportFormat, ImportPreviewView } from "~/components/customer-import";
import {
  dropStagedImport,
  importRows,
  loadStagedImport,
  MAX_IMPORT_BYTES,
  previewRowView,
  stageImport,
  validateImport,
} from "~/models/customer-import.server";
import { actorOf, requireEditor, requireUser } from "~/utils/auth.server";
import { getContext } from "~/utils/db.server";
import { handleForm } from "~/utils/forms.server";
import { invariantResponse } from "~/utils/http.server";
import { refreshInBackground } from "~/utils/refresh.server";
import { InputError } from "~/utils/validation.server";

export const meta: MetaFunction = () => [{ title: "Import customers · delight" }];

/** Rows of the ready list the page shows; the count says how many more there are. */
const SHOWN_ROWS = 50;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  invariantResponse(user.role !== "viewer", "Viewers cannot add customers", { status: 403 });
  const id = new URL(request.url).searchParams.get("id");
  if (!id) return { staged: null, expired: false };
  const { db } = await getContext();
  const staged = await loadStagedImport(db, user.id, id);
  if (!staged) return { staged: null, expired: true };
  const { preview } = staged;
  return {
    expired: false,
    staged: {
      id: staged.id,
      fileName: staged.fileName,
      rowCount: preview.rowCount,
      ready: preview.rows.length,
      problems: preview.problems,
      rows: preview.rows.slice(0, SHOWN_ROWS).map(previewRowView),
    },
  };
}

async function uploadedText(form: FormData): Promise<{ name: string; text: string }> {
  const file = form.get("file");
  if (!file || typeof file === "string" || file.size === 0) throw new InputError({ file: "Choose a CSV file to check" });
  if (file.size > MAX_IMPORT_BYTES) throw new InputError({ file: `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB` });
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return { name: file.name.slice(0, 200) || "upload.csv", text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    throw new InputError({ file: 'The file is not UTF-8 text: in a spreadsheet, save it as "CSV UTF-8"' });
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireEditor(request);
  const ctx = await getContext();
  // Refuse an oversized body before reading it.
  const length = Number(request.headers.get("Content-Length") ?? 0);
  if (length > MAX_IMPORT_BYTES + 64 * 1024) {
    const errors: Record<string, string> = { file: `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB` };
    return { ok: false as const, errors, values: {} };
  }
  const form = await request.formData();
  const intent = form.get("intent");
  const options = { secretKey: ctx.secretKey, allowPrivateHosts: ctx.config.DELIGHT_ALLOW_PRIVATE_HOSTS };
  if (intent === "preview") {
    const outcome = await handleForm(form, async () => {
      const { name, text } = await uploadedText(form);
      const preview = await validateImport(ctx.db, text, options);
      return stageImport(ctx.db, user.id, name, preview);
    });
    if (!outcome.ok) return outcome.response;
    return redirect(`/customers/import?id=${outcome.result}`);
  }
  invariantResponse(intent === "import", "Unknown action");
  const id = String(form.get("id") ?? "");
  const outcome = await handleForm(form, async () => {
    const staged = await loadStagedImport(ctx.db, user.id, id);
    if (!staged) throw new InputError({ form: "This check has expired or was already imported: upload the file again" });
    const result = await importRows(ctx.db, actorOf(user), staged.preview, { allOrNothing: form.get("allOrNothing") === "on" });
    if (result.imported.length > 0) await dropStagedImport(ctx.db, id);
    return { ...result, rowCount: staged.preview.rowCount, badBefore: staged.preview.problems.length };
  });
  if (!outcome.ok) return outcome.response;
  const { imported, problems, refused, rowCount, badBefore } = outcome.result;
  // Queued, not awaited beyond the enqueue: the refreshes run on the server's worker (or any `delight worker`).
  await refreshInBackground(
    ctx,
    imported.map((c) => c.id),
    "import",
  ).catch((error) => console.error(`[delight] could not queue the imported customers' refresh: ${(error as Error).message}`));
  return { ok: true as const, imported: imported.length, problems, refused, rowCount, badBefore };
}

export default function ImportCustomers() {
  const { staged, expired } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const errors = reply && !reply.ok ? reply.errors : null;
  return (
    <>
      <div className="page-head">
        <h1>Import customers</h1>
      </div>
      {reply?.ok ? <ImportResult reply={reply} /> : null}
      {errors?.form ? (
        <div className="form-error" role="alert">
          {errors.form}
        </div>
      ) : null}
      {expired && !reply?.ok ? (
        <p className="notice" role="status">
          That check has expired or was already imported: upload the file again.
        </p>
      ) : null}
      {staged && !reply?.ok ? <ImportPreviewView staged={staged} busy={busy} /> : null}
      <div className="panel">
        <h2>{staged ? "Check another file" : "1. Choose a CSV file"}</h2>
        <Form method="post" encType="multipart/form-data" className="stack" noValidate>
          <input type="hidden" name="intent" value="preview" />
          <div className="field">
            <label htmlFor="f-file">CSV file (UTF-8, at most 5,000 customers)</label>
            <input
              id="f-file"
              type="file"
              name="file"
              accept=".csv,text/csv"
              aria-invalid={errors?.file ? true : undefined}
              aria-describedby={errors?.file ? "f-file-error" : undefined}
            />
            {errors?.file ? (
              <span className="error" id="f-file-error" role="alert">
                {errors.file}
              </span>
            ) : null}
          </div>
          <div>
            <button type="submit" disabled={busy}>
              Check file
            </button>
          </div>
        </Form>
        <p className="muted">Nothing is added until you confirm. API keys in the file are encrypted at once and never shown.</p>
      </div>
      <ImportFormat />
    </>
  );
}

function ImportResult({
  reply,
}: {
  reply: {
    imported: number;
    problems: { row: number; column: string; message: string }[];
    refused: boolean;
    rowCount: number;
    badBefore: number;
  };
}) {
  return (
    <div className="notice" role="status" data-testid="import-result">
      {reply.refused ? (
        <p>
          Nothing was imported: {reply.badBefore + reply.problems.length} of {reply.rowCount} rows are bad and you asked for all or nothing.
        </p>
      ) : (
        <p>
          Imported {reply.imported} of {reply.rowCount} customers. They are being refreshed in the background.{" "}
          <Link to="/">Open the portfolio</Link>
        </p>
      )}
      {reply.problems.length > 0 ? (
        <ul>
          {reply.problems.map((p) => (
            <li key={`${p.row}-${p.column}`}>
              Row {p.row}, {p.column}: {p.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
