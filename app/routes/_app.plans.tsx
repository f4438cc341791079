import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { Field, FormError } from "~/components/ui/field";
import { TableScroll } from "~/components/ui/table-scroll";
import { createPlan, listPlans, updatePlan } from "~/models/plans.server";
import { actorOf, requireEditor, requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";
import { handleForm } from "~/utils/forms.server";
import { invariantResponse } from "~/utils/http.server";

export const meta: MetaFunction = () => [{ title: "Plans · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { plans: await listPlans(await getDb()), canEdit: user.role !== "viewer" };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireEditor(request);
  const db = await getDb();
  const form = await request.formData();
  const id = form.get("id");
  const input = { name: form.get("name"), monthlyEvents: form.get("monthlyEvents") };
  invariantResponse(id === null || /^\d+$/.test(String(id)), "Unknown plan");
  const outcome = await handleForm(form, () =>
    id ? updatePlan(db, actorOf(user), Number(id), input) : createPlan(db, actorOf(user), input),
  );
  if (!outcome.ok) return outcome.response;
  return redirect("/plans");
}

const fmt = new Intl.NumberFormat("en-US");

export default function Plans() {
  const { plans, canEdit } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const [params] = useSearchParams();
  const editing = Number(params.get("edit")) || (failure?.values.id ? Number(failure.values.id) : null);
  return (
    <>
      <div className="page-head">
        <h1>Plans</h1>
      </div>
      <p className="muted">A plan is a monthly event quota. Usage versus plan and the 80% flag are measured against it.</p>
      <TableScroll label="Plans">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th className="num">Monthly events</th>
              {canEdit ? (
                <th>
                  <span className="sr-only">Edit</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {plans.length === 0 ? (
              <tr>
                <td colSpan={3} className="muted">
                  No plans yet.
                </td>
              </tr>
            ) : null}
            {plans.map((plan) =>
              editing === plan.id && canEdit ? (
                <tr key={plan.id}>
                  <td colSpan={3}>
                    <PlanForm
                      id={plan.id}
                      defaults={failure?.values ?? { name: plan.name, monthlyEvents: String(plan.monthlyEvents) }}
                      errors={failure?.errors}
                      label="Save plan"
                    />
                  </td>
                </tr>
              ) : (
                <tr key={plan.id}>
                  <td>{plan.name}</td>
                  <td className="num">{fmt.format(plan.monthlyEvents)}</td>
                  {canEdit ? (
                    <td className="num">
                      <Link to={`?edit=${plan.id}`}>Edit</Link>
                    </td>
                  ) : null}
                </tr>
              ),
            )}
          </tbody>
        </table>
      </TableScroll>
      {canEdit ? (
        <div className="panel" style={{ marginTop: "1rem" }}>
          <h2>Add a plan</h2>
          <PlanForm defaults={editing ? {} : (failure?.values ?? {})} errors={editing ? null : failure?.errors} label="Add plan" />
        </div>
      ) : null}
    </>
  );
}

function PlanForm({
  id,
  defaults,
  errors,
  label,
}: {
  id?: number;
  defaults: Record<string, string>;
  errors?: Record<string, string> | null;
  label: string;
}) {
  return (
    <Form method="post" className="stack" noValidate>
      <FormError errors={errors} />
      {id ? <input type="hidden" name="id" value={id} /> : null}
      <div className="row">
        <Field name="name" label="Plan name" defaultValue={defaults.name} errors={errors} maxLength={60} />
        <Field
          name="monthlyEvents"
          label="Monthly events"
          inputMode="numeric"
          defaultValue={defaults.monthlyEvents}
          errors={errors}
          hint="e.g. 1,000,000"
        />
      </div>
      <div>
        <button type="submit">{label}</button>
      </div>
    </Form>
  );
}
