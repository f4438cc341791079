import type { ActionFunctionArgs } from "@remix-run/node";
import { apiJson } from "./api-auth.server";
import { assertSameOrigin } from "./http.server";

/**
 * The action of a route that only reads (the JSON API, the CSV, /healthz). Without one, Remix
 * answers a POST with 405 and the body "Unexpected Server Error", which sends a script's author
 * looking for a crash. The same 405, saying which method to use, for anyone: it is about the
 * address, not about who asks. A cross-origin POST is still refused as such first.
 */
export function readOnlyAction({ request }: ActionFunctionArgs): Response {
  assertSameOrigin(request);
  return apiJson(
    { error: `${request.method} is not allowed here: this address only answers GET` },
    { status: 405, headers: { Allow: "GET, HEAD" } },
  );
}
