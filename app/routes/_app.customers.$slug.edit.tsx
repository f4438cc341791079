import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { CustomerForm, contactDefaults } from "~/components/customer-form";
import { customerEditView, getCustomer, setArchived, updateCustomer } from "~/models/customers.server";
import { listPlans } from "~/models/plans.server";
import { listOwnerChoices } from "~/models/users.server";
import { actorOf, requireEditor, requireUser } from "~/utils/auth.server";
import { customerFormInput } from "~/utils/customer-form.server";
import { getContext } from "~/utils/db.server";
import { handleForm } from "~/utils/forms.server";
import { invariantResponse, notFound } from "~/utils/http.server";
import { refreshInBackground } from "~/utils/refresh.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Edit ${data?.customer.name ?? "customer"} · delight` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  invariantResponse(user.role !== "viewer", "Viewers cannot edit customers", { status: 403 });
  const { db } = await getContext();
  const customer = await getCustomer(db, params.slug ?? "");
  if (!customer) notFound("No customer with this address");
  return { ...customerEditView(customer), plans: await listPlans(db), users: await listOwnerChoices(db, customer.ownerId) };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireEditor(request);
  const ctx = await getContext();
  const slug = params.slug ?? "";
  const before = await getCustomer(ctx.db, slug);
  if (!before) notFound("No customer with this address");
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "archive" || intent === "unarchive") {
    const archived = await handleForm(form, () => setArchived(ctx.db, actorOf(user), slug, intent === "archive"));
    if (!archived.ok) return archived.response;
    return redirect(`/customers/${slug}`);
  }
  const outcome = await handleForm(
    form,
    () =>
      updateCustomer(ctx.db, actorOf(user), slug, customerFormInput(form), {
        secretKey: ctx.secretKey,
        allowPrivateHosts: ctx.config.DELIGHT_ALLOW_PRIVATE_HOSTS,
      }),
    { secretFields: ["apiKey"] },
  );
  if (!outcome.ok) return outcome.response;
  // New connection details: what PostHog says is measured again at once (the page shows progress).
  const after = outcome.result;
  if (after.posthogHost !== before.posthogHost || after.projectId !== before.projectId || String(form.get("apiKey") ?? "") !== "") {
    if (ctx.config.DELIGHT_REFRESH_ON_SAVE) await refreshInBackground(ctx, [after.id], "saved");
  }
  return redirect(`/customers/${slug}`);
}

export default function EditCustomer() {
  const { customer, region, maskedKey, plans, users } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const defaults = failure?.values ?? {
    name: customer.name,
    posthogRegion: region,
    customHost: region === "custom" ? customer.posthogHost : "",
    projectId: String(customer.projectId),
    planId: customer.planId ? String(customer.planId) : "",
    billingDay: String(customer.billingDay),
    ownerId: customer.ownerId ? String(customer.ownerId) : "",
    revenue: customer.revenue === null ? "" : String(customer.revenue),
    revenuePeriod: customer.revenuePeriod ?? "year",
    currency: customer.currency ?? "",
    renewalDate: customer.renewalDate ?? "",
    ...contactDefaults(customer.contacts),
  };
  return (
    <>
      <div className="page-head">
        <h1>Edit {customer.name}</h1>
      </div>
      <div className="panel">
        <CustomerForm
          defaults={defaults}
          errors={failure?.errors}
          duplicate={failure?.details?.duplicate}
          plans={plans}
          users={users}
          maskedKey={maskedKey}
          submitLabel="Save changes"
        />
      </div>
      <div className="panel">
        <h2>{customer.archivedAt ? "Archived" : "Archive"}</h2>
        <p className="muted">
          {customer.archivedAt
            ? "This customer is hidden from the portfolio and not refreshed. Its history is kept."
            : "Archiving hides the customer from the portfolio and stops refreshes. Nothing is deleted."}
        </p>
        <Form method="post">
          <input type="hidden" name="intent" value={customer.archivedAt ? "unarchive" : "archive"} />
          <button type="submit" className={customer.archivedAt ? "secondary" : "danger"}>
            {customer.archivedAt ? "Restore customer" : "Archive customer"}
          </button>
        </Form>
      </div>
    </>
  );
}
