import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { Field, FormError } from "~/components/ui/field";
import { getDb } from "~/utils/db.server";
import { createFirstAdmin, isSetUp, setupCodeFor } from "~/utils/first-run.server";
import { handleForm } from "~/utils/forms.server";
import { assertSameOrigin, notFound } from "~/utils/http.server";
import { redirectWithSession } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Welcome · delight" }];

// First run only: once any user exists this page is gone.
export async function loader(_: LoaderFunctionArgs) {
  if (await isSetUp(await getDb())) notFound("delight is already set up; sign in instead");
  setupCodeFor(); // printed at start by npm start; under the dev server, on the first visit
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  assertSameOrigin(request);
  const db = await getDb();
  if (await isSetUp(db)) notFound("delight is already set up; sign in instead");
  const form = await request.formData();
  const outcome = await handleForm(form, () => createFirstAdmin(db, Object.fromEntries(form)), { secretFields: ["password", "setupCode"] });
  if (!outcome.ok) return outcome.response;
  return redirectWithSession(request, outcome.result.id, "/");
}

export default function Setup() {
  const actionData = useActionData<typeof action>();
  const errors = actionData && "errors" in actionData ? actionData.errors : null;
  const values = actionData && "values" in actionData ? actionData.values : {};
  return (
    <main className="bare" id="main" tabIndex={-1}>
      <div className="panel">
        <h1>Welcome to delight</h1>
        <p className="muted">Create the first admin account. This page closes once it exists.</p>
        <Form method="post" className="stack" noValidate>
          <FormError errors={errors} />
          <Field
            name="setupCode"
            label="Setup code"
            required
            autoComplete="off"
            errors={errors}
            hint="Printed on the server's console when delight started, so only whoever runs the server can do this."
          />
          <Field name="name" label="Your name" required defaultValue={values.name} errors={errors} />
          <Field name="email" label="Email" type="email" required defaultValue={values.email} errors={errors} />
          <Field
            name="password"
            label="Password"
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            errors={errors}
            hint="At least 10 characters."
          />
          <button type="submit">Create admin and sign in</button>
        </Form>
      </div>
    </main>
  );
}
