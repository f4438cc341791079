import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { CustomerForm } from "~/components/customer-form";
import { createCustomer } from "~/models/customers.server";
import { listPlans } from "~/models/plans.server";
import { listOwnerChoices } from "~/models/users.server";
import { actorOf, requireEditor, requireUser } from "~/utils/auth.server";
import { customerFormInput } from "~/utils/customer-form.server";
import { getContext } from "~/utils/db.server";
import { handleForm } from "~/utils/forms.server";
import { invariantResponse } from "~/utils/http.server";
import { refreshInBackground } from "~/utils/refresh.server";

export const meta: MetaFunction = () => [{ title: "Add customer · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  invariantResponse(user.role !== "viewer", "Viewers cannot add customers", { status: 403 });
  const { db } = await getContext();
  return { plans: await listPlans(db), users: await listOwnerChoices(db, null), me: user.id };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireEditor(request);
  const ctx = await getContext();
  const form = await request.formData();
  const outcome = await handleForm(
    form,
    () =>
      createCustomer(ctx.db, actorOf(user), customerFormInput(form), {
        secretKey: ctx.secretKey,
        allowPrivateHosts: ctx.config.DELIGHT_ALLOW_PRIVATE_HOSTS,
      }),
    { secretFields: ["apiKey"] },
  );
  if (!outcome.ok) return outcome.response;
  // Its first results come at once, not at the next schedule; its page shows the progress.
  if (ctx.config.DELIGHT_REFRESH_ON_SAVE) await refreshInBackground(ctx, [outcome.result.id], "saved");
  return redirect(`/customers/${outcome.result.slug}`);
}

export default function NewCustomer() {
  const { plans, users, me } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  return (
    <>
      <div className="page-head">
        <h1>Add a customer</h1>
      </div>
      <div className="panel">
        <CustomerForm
          defaults={failure?.values ?? { ownerId: String(me) }}
          errors={failure?.errors}
          duplicate={failure?.details?.duplicate}
          plans={plans}
          users={users}
          submitLabel="Add customer"
        />
      </div>
    </>
  );
}
