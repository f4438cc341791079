import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, SelectField } from "~/components/ui/field";
import { utcLabel } from "~/components/ui/relative-time";
import { TableScroll } from "~/components/ui/table-scroll";
import {
  createUser,
  DuplicateError,
  generatePassword,
  listUsers,
  resetPassword,
  setDisabled,
  setRole,
  UserIdSchema,
  UserInputSchema,
  userState,
} from "~/models/users.server";
import { actorOf, requireAdmin, requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";
import { formValues, handleForm } from "~/utils/forms.server";
import { invariantResponse } from "~/utils/http.server";
import { InputError, parseInput } from "~/utils/validation.server";

export const meta: MetaFunction = () => [{ title: "Users · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const isAdmin = user.role === "admin";
  const users = (await listUsers(await getDb())).map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    role: u.role,
    // Who signs in when, and who is disabled, is for admins to see.
    ...(isAdmin ? { state: userState(u), lastSignInAt: u.lastSignInAt?.toISOString() ?? null } : {}),
  }));
  return { users, isAdmin, me: user.id };
}

const INTENTS = ["create", "role", "disable", "enable", "reset"] as const;
type Intent = (typeof INTENTS)[number];

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, { mutating: true });
  const db = await getDb();
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "create");
  invariantResponse((INTENTS as readonly string[]).includes(intent), "Unknown action");
  const actor = actorOf(admin);
  const outcome = await handleForm(form, async () => {
    if (intent === "create") {
      const password = generatePassword();
      const input = parseInput(UserInputSchema, formValues(form));
      try {
        const created = await createUser(db, actor, input, password);
        return { message: `Created ${created.email}.`, email: created.email, password };
      } catch (error) {
        if (error instanceof DuplicateError) throw new InputError({ [error.field]: error.message });
        throw error;
      }
    }
    const { userId } = parseInput(z.object({ userId: UserIdSchema }), { userId: form.get("userId") ?? undefined });
    if (intent === "role") {
      const updated = await setRole(db, actor, userId, form.get("role"));
      return { message: `${updated.email} is now ${updated.role}; it applies from their next page.` };
    }
    if (intent === "disable" || intent === "enable") {
      const updated = await setDisabled(db, actor, userId, intent === "disable");
      return {
        message:
          intent === "disable" ? `Disabled ${updated.email}: signed out everywhere, API tokens refused.` : `Enabled ${updated.email}.`,
      };
    }
    const reset = await resetPassword(db, actor, userId);
    return { message: `Reset the password of ${reset.email}.`, email: reset.email, password: reset.password };
  });
  if (!outcome.ok) return outcome.response;
  // A one-time password is shown once, to the admin who made it; only its hash is stored.
  return data({ ok: true as const, intent: intent as Intent, ...outcome.result });
}

const ROLE_OPTIONS = [
  { value: "csm", label: "Customer success (csm)" },
  { value: "viewer", label: "Viewer (read only)" },
  { value: "admin", label: "Admin" },
];

const stamp = (iso: string | null | undefined) => (iso ? utcLabel(iso) : "never");

type UserRow = ReturnType<typeof useLoaderData<typeof loader>>["users"][number];

function ManageUser({ user, me }: { user: UserRow; me: number }) {
  const disabled = user.state === "disabled";
  return (
    <div className="row user-actions">
      <Form method="post" className="inline">
        <input type="hidden" name="intent" value="role" />
        <input type="hidden" name="userId" value={user.id} />
        <label className="sr-only" htmlFor={`role-${user.id}`}>
          Role of {user.email}
        </label>
        <select id={`role-${user.id}`} name="role" defaultValue={user.role}>
          {ROLE_OPTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.value}
            </option>
          ))}
        </select>{" "}
        <button type="submit" className="secondary small-button" aria-label={`Change role of ${user.email}`}>
          Change role
        </button>
      </Form>
      {user.id === me ? null : (
        <Form method="post" className="inline">
          <input type="hidden" name="intent" value={disabled ? "enable" : "disable"} />
          <input type="hidden" name="userId" value={user.id} />
          <button
            type="submit"
            className={`${disabled ? "secondary" : "danger"} small-button`}
            aria-label={`${disabled ? "Enable" : "Disable"} ${user.email}`}
          >
            {disabled ? "Enable" : "Disable"}
          </button>
        </Form>
      )}
      <Form method="post" className="inline">
        <input type="hidden" name="intent" value="reset" />
        <input type="hidden" name="userId" value={user.id} />
        <button type="submit" className="secondary small-button" aria-label={`Reset password of ${user.email}`}>
          Reset password
        </button>
      </Form>
    </div>
  );
}

export default function Users() {
  const { users, isAdmin, me } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = result && !result.ok ? result : null;
  const done = result?.ok ? result : null;
  const creating = !failure?.values.intent || failure.values.intent === "create";
  return (
    <>
      <div className="page-head">
        <h1>Users</h1>
        {isAdmin ? (
          <div className="row">
            <Link className="button secondary" to="/tokens">
              API tokens
            </Link>
            <Link className="button secondary" to="/audit">
              Audit log
            </Link>
          </div>
        ) : null}
      </div>
      {done ? (
        <div className="notice" role="status" data-testid="users-message">
          {done.message}
          {"password" in done && done.password ? (
            <>
              {" "}
              One-time password for <strong>{done.email}</strong>:{" "}
              <span className="mono" data-testid="one-time-password">
                {done.password}
              </span>{" "}
              — pass it on now; it is not shown again.
              {done.intent === "reset" ? " They must choose their own password when they sign in with it." : null}
            </>
          ) : null}
        </div>
      ) : null}
      {failure && !creating ? (
        <FormError errors={failure.errors.form ? failure.errors : { form: Object.values(failure.errors)[0]! }} />
      ) : null}
      <TableScroll label="Users">
        <table className="stack-on-phone">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              {isAdmin ? (
                <>
                  <th>State</th>
                  <th>Last sign-in</th>
                  <th>Manage</th>
                </>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-testid={`user-${u.email}`}>
                <td data-label="Name">{u.name}</td>
                <td data-label="Email">{u.email}</td>
                <td data-label="Role">{u.role}</td>
                {isAdmin ? (
                  <>
                    <td data-label="State">
                      <span
                        className={`badge ${u.state === "active" ? "status-pass" : u.state === "disabled" ? "status-fail" : "status-unknown"}`}
                      >
                        {u.state}
                      </span>
                    </td>
                    <td data-label="Last sign-in">{stamp(u.lastSignInAt)}</td>
                    <td data-label="Manage">
                      <ManageUser user={u} me={me} />
                    </td>
                  </>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {isAdmin ? (
        <div className="panel" style={{ marginTop: "1rem" }}>
          <h2>Add a user</h2>
          <Form method="post" className="stack" noValidate>
            <input type="hidden" name="intent" value="create" />
            {creating ? <FormError errors={failure?.errors} /> : null}
            <div className="row">
              <Field
                name="name"
                label="Name"
                defaultValue={creating ? failure?.values.name : undefined}
                errors={creating ? failure?.errors : null}
              />
              <Field
                name="email"
                label="Email"
                type="email"
                defaultValue={creating ? failure?.values.email : undefined}
                errors={creating ? failure?.errors : null}
              />
              <SelectField
                name="role"
                label="Role"
                errors={creating ? failure?.errors : null}
                defaultValue={(creating ? failure?.values.role : undefined) ?? "csm"}
                options={ROLE_OPTIONS}
              />
            </div>
            <div>
              <button type="submit">Add user</button>
            </div>
          </Form>
        </div>
      ) : (
        <p className="muted">Only admins can add users and manage access.</p>
      )}
    </>
  );
}
