import type { LoaderFunctionArgs } from "@remix-run/node";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { requireUser } from "~/utils/auth.server";
import { notFound } from "~/utils/http.server";

// Unknown URLs render a 404 inside the signed-in shell (or send strangers to sign in).
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  notFound("There is no page at this address.");
}

export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
