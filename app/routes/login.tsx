import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { Field, FormError } from "~/components/ui/field";
import { countUsers } from "~/models/users.server";
import { getDb } from "~/utils/db.server";
import { assertSameOrigin, clientAddress } from "~/utils/http.server";
import { loginAttempt } from "~/utils/login.server";
import { getSessionUser, redirectWithSession, safeRedirectTo } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Sign in · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if ((await countUsers(await getDb())) === 0) throw redirect("/setup");
  if (await getSessionUser(request)) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  assertSameOrigin(request);
  const form = await request.formData();
  const email = String(form.get("email") ?? "");
  // Decided before the session exists: a bad target can never fail after signing in.
  const to = safeRedirectTo(form.get("redirectTo"));
  const result = await loginAttempt(await getDb(), email, String(form.get("password") ?? ""), {
    address: clientAddress(request, context),
  });
  if (!result.ok) return data({ errors: result.errors, values: { email } }, { status: result.status });
  return redirectWithSession(request, result.userId, to);
}

export default function Login() {
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <main className="bare" id="main" tabIndex={-1}>
      <div className="panel">
        <h1>Sign in to delight</h1>
        <Form method="post" className="stack">
          <FormError errors={actionData?.errors} />
          <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/"} />
          <Field
            name="email"
            label="Email"
            type="email"
            autoComplete="username"
            required
            defaultValue={actionData?.values.email}
            errors={actionData?.errors}
          />
          <Field name="password" label="Password" type="password" autoComplete="current-password" required errors={actionData?.errors} />
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </Form>
      </div>
    </main>
  );
}
