import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { Field, FormError } from "~/components/ui/field";
import { changeOwnPassword, PasswordChangeSchema, signOutEverywhere } from "~/models/users.server";
import { requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";
import { handleForm } from "~/utils/forms.server";
import { assertSameOrigin, invariantResponse } from "~/utils/http.server";
import { endSession } from "~/utils/session.server";
import { parseInput } from "~/utils/validation.server";

export const meta: MetaFunction = () => [{ title: "Your account · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { user: { name: user.name, email: user.email, role: user.role }, mustChange: Boolean(user.mustChangePassword) };
}

/** Anyone signed in, viewers too, may change their own password and sign out everywhere. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  assertSameOrigin(request);
  const db = await getDb();
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  invariantResponse(intent === "password" || intent === "sign-out-everywhere", "Unknown action");
  if (intent === "sign-out-everywhere") {
    await signOutEverywhere(db, user.id);
    return redirect("/login", { headers: { "Set-Cookie": await endSession(request) } });
  }
  const outcome = await handleForm(
    form,
    async () => {
      const input = parseInput(PasswordChangeSchema, Object.fromEntries(form));
      await changeOwnPassword(db, user.id, input, user.sessionId);
    },
    { secretFields: ["currentPassword", "password", "confirm"] },
  );
  if (!outcome.ok) return outcome.response;
  return { ok: true as const, message: "Password changed; your other sessions were signed out." };
}

export default function Account() {
  const { user, mustChange } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const failure = reply && !reply.ok ? reply : null;
  return (
    <>
      <div className="page-head">
        <h1>Your account</h1>
      </div>
      {reply?.ok ? (
        <div className="notice" role="status" data-testid="account-message">
          {reply.message} <Link to="/">Go to customers</Link>
        </div>
      ) : null}
      {mustChange ? (
        <div className="form-error" role="alert" data-testid="must-change">
          An admin reset your password. Choose your own before you go on.
        </div>
      ) : null}
      <div className="panel">
        <dl className="kv">
          <dt>Name</dt>
          <dd>{user.name}</dd>
          <dt>Email</dt>
          <dd>{user.email}</dd>
          <dt>Role</dt>
          <dd>{user.role}</dd>
        </dl>
      </div>
      <div className="panel">
        <h2>Change your password</h2>
        <Form method="post" className="stack" noValidate>
          <input type="hidden" name="intent" value="password" />
          <FormError errors={failure?.errors} />
          <Field
            name="currentPassword"
            label={mustChange ? "The one-time password you were given" : "Current password"}
            type="password"
            autoComplete="current-password"
            errors={failure?.errors}
          />
          <Field
            name="password"
            label="New password"
            type="password"
            autoComplete="new-password"
            minLength={10}
            errors={failure?.errors}
            hint="At least 10 characters."
          />
          <Field name="confirm" label="New password again" type="password" autoComplete="new-password" errors={failure?.errors} />
          <div>
            <button type="submit">Change password</button>
          </div>
        </Form>
      </div>
      <div className="panel">
        <h2>Sign out everywhere</h2>
        <p className="muted">Ends every session of yours, in this browser and all others (a lost laptop, a shared computer).</p>
        <Form method="post">
          <input type="hidden" name="intent" value="sign-out-everywhere" />
          <button type="submit" className="danger">
            Sign out everywhere
          </button>
        </Form>
      </div>
    </>
  );
}
