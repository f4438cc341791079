import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, SelectField } from "~/components/ui/field";
import { utcLabel } from "~/components/ui/relative-time";
import { TableScroll } from "~/components/ui/table-scroll";
import { createApiToken, listTokens, revokeToken } from "~/models/tokens.server";
import { listUsers, UserIdSchema } from "~/models/users.server";
import { actorOf, requireEditor, requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";
import { formValues, handleForm } from "~/utils/forms.server";
import { invariantResponse } from "~/utils/http.server";
import { parseInput } from "~/utils/validation.server";

export const meta: MetaFunction = () => [{ title: "API tokens · delight" }];

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Admins see and manage every token; everyone else sees their own. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = await getDb();
  const isAdmin = user.role === "admin";
  const tokens = await listTokens(db, isAdmin ? {} : { userId: user.id });
  const users = isAdmin ? (await listUsers(db)).filter((u) => !u.disabledAt).map((u) => ({ id: u.id, email: u.email })) : [];
  return {
    isAdmin,
    canEdit: user.role !== "viewer",
    me: user.id,
    users,
    tokens: tokens.map((t) => ({
      ...t,
      createdAt: t.createdAt.toISOString(),
      lastUsedAt: iso(t.lastUsedAt),
      expiresAt: iso(t.expiresAt),
      revokedAt: iso(t.revokedAt),
    })),
  };
}

/** csm and admins manage tokens (a csm only their own); viewers change nothing, tokens included. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireEditor(request);
  const db = await getDb();
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  invariantResponse(intent === "create" || intent === "revoke", "Unknown action");
  const isAdmin = user.role === "admin";
  const outcome = await handleForm(form, async () => {
    if (intent === "revoke") {
      const revoked = await revokeToken(db, actorOf(user), form.get("id") ?? undefined, isAdmin ? {} : { ownerId: user.id });
      return { message: `Revoked token ${revoked.id} (${revoked.name}); it is refused from now on.`, token: null };
    }
    // Only an admin makes tokens for someone else.
    const owner = isAdmin
      ? parseInput(z.object({ userId: UserIdSchema }), { userId: form.get("userId") || String(user.id) }).userId
      : user.id;
    const created = await createApiToken(db, actorOf(user), owner, formValues(form));
    return { message: `Created token ${created.id} (${created.name}) for ${created.owner}.`, token: created.token };
  });
  if (!outcome.ok) return outcome.response;
  return { ok: true as const, ...outcome.result };
}

const stamp = (iso: string | null) => (iso ? utcLabel(iso) : "—");

export default function Tokens() {
  const { tokens, isAdmin, canEdit, users, me } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const failure = reply && !reply.ok ? reply : null;
  return (
    <>
      <div className="page-head">
        <h1>API tokens</h1>
      </div>
      <p className="muted">
        Bearer tokens for the JSON API (<span className="mono">Authorization: Bearer …</span>). A token acts as its owner; revoking it or
        disabling the owner stops it at the next request.
      </p>
      {reply?.ok ? (
        <div className="notice" role="status" data-testid="tokens-message">
          {reply.message}
          {reply.token ? (
            <>
              {" "}
              Copy it now; it is not shown again:{" "}
              <span className="mono" data-testid="new-token">
                {reply.token}
              </span>
            </>
          ) : null}
        </div>
      ) : null}
      <TableScroll label="API tokens">
        <table className="stack-on-phone">
          <thead>
            <tr>
              <th>Id</th>
              <th>Name</th>
              <th>Owner</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Expires</th>
              <th>State</th>
              <th>
                <span className="sr-only">Revoke</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.length === 0 ? (
              <tr>
                <td colSpan={8} className="muted">
                  No tokens yet.
                </td>
              </tr>
            ) : null}
            {tokens.map((t) => (
              <tr key={t.id} data-testid={`token-${t.id}`}>
                <td data-label="Id">{t.id}</td>
                <td data-label="Name">{t.name}</td>
                <td data-label="Owner">{t.ownerEmail}</td>
                <td data-label="Created">{stamp(t.createdAt)}</td>
                <td data-label="Last used">{stamp(t.lastUsedAt)}</td>
                <td data-label="Expires">{t.expiresAt ? stamp(t.expiresAt) : "never"}</td>
                <td data-label="State">
                  <span className={`badge ${t.state === "active" ? "status-pass" : "status-fail"}`}>{t.state}</span>
                </td>
                <td>
                  {canEdit && t.state === "active" && (isAdmin || t.ownerId === me) ? (
                    <Form method="post" className="inline">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="id" value={t.id} />
                      <button type="submit" className="danger small-button" aria-label={`Revoke token ${t.id} (${t.name})`}>
                        Revoke
                      </button>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {canEdit ? (
        <CreateToken isAdmin={isAdmin} users={users} me={me} failure={failure} />
      ) : (
        <p className="muted">Viewers cannot create or revoke tokens; ask an admin.</p>
      )}
    </>
  );
}

type Failure = { errors: Record<string, string>; values: Record<string, string> } | null;

function CreateToken({
  isAdmin,
  users,
  me,
  failure,
}: {
  isAdmin: boolean;
  users: { id: number; email: string }[];
  me: number;
  failure: Failure;
}) {
  return (
    <div className="panel" style={{ marginTop: "1rem" }}>
      <h2>Create a token</h2>
      <Form method="post" className="stack" noValidate>
        <input type="hidden" name="intent" value="create" />
        <FormError errors={failure?.errors} />
        <div className="row">
          <Field
            name="name"
            label="Name"
            defaultValue={failure?.values.name ?? ""}
            errors={failure?.errors}
            hint="What uses it, e.g. the weekly report."
          />
          <Field
            name="expiresInDays"
            label="Expires after (days)"
            inputMode="numeric"
            defaultValue={failure?.values.expiresInDays ?? "90"}
            errors={failure?.errors}
            hint="Blank: until revoked."
          />
          {isAdmin ? (
            <SelectField
              name="userId"
              label="Owner"
              errors={failure?.errors}
              defaultValue={failure?.values.userId ?? String(me)}
              options={users.map((u) => ({ value: String(u.id), label: u.email }))}
            />
          ) : null}
        </div>
        <div>
          <button type="submit">Create token</button>
        </div>
      </Form>
    </div>
  );
}
