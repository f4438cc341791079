import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Field, FormError, SelectField } from "~/components/ui/field";
import { createUser, DuplicateError, generatePassword, listUsers, UserInputSchema } from "~/models/users.server";
import { actorOf, requireAdmin, requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";
import { formValues, handleForm } from "~/utils/forms.server";
import { InputError, parseInput } from "~/utils/validation.server";

export const meta: MetaFunction = () => [{ title: "Users · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { users: await listUsers(await getDb()), isAdmin: user.role === "admin" };
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, { mutating: true });
  const db = await getDb();
  const form = await request.formData();
  const password = generatePassword();
  const outcome = await handleForm(form, async () => {
    const input = parseInput(UserInputSchema, formValues(form));
    try {
      return await createUser(db, actorOf(admin), input, password);
    } catch (error) {
      if (error instanceof DuplicateError) throw new InputError({ [error.field]: error.message });
      throw error;
    }
  });
  if (!outcome.ok) return outcome.response;
  // Shown once, to the admin who created the account; only its hash is stored.
  return data({ ok: true as const, created: { email: outcome.result.email, password } });
}

export default function Users() {
  const { users, isAdmin } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = result && !result.ok ? result : null;
  return (
    <>
      <div className="page-head">
        <h1>Users</h1>
      </div>
      {result?.ok ? (
        <div className="notice" role="status">
          Created <strong>{result.created.email}</strong>. One-time password:{" "}
          <span className="mono" data-testid="one-time-password">
            {result.created.password}
          </span>{" "}
          — pass it on now; it is not shown again.
        </div>
      ) : null}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>{u.role}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {isAdmin ? (
        <div className="panel" style={{ marginTop: "1rem" }}>
          <h2>Add a user</h2>
          <Form method="post" className="stack" noValidate>
            <FormError errors={failure?.errors} />
            <div className="row">
              <Field name="name" label="Name" defaultValue={failure?.values.name} errors={failure?.errors} />
              <Field name="email" label="Email" type="email" defaultValue={failure?.values.email} errors={failure?.errors} />
              <SelectField
                name="role"
                label="Role"
                errors={failure?.errors}
                defaultValue={failure?.values.role ?? "csm"}
                options={[
                  { value: "csm", label: "Customer success (csm)" },
                  { value: "viewer", label: "Viewer (read only)" },
                  { value: "admin", label: "Admin" },
                ]}
              />
            </div>
            <div>
              <button type="submit">Add user</button>
            </div>
          </Form>
        </div>
      ) : (
        <p className="muted">Only admins can add users.</p>
      )}
    </>
  );
}
