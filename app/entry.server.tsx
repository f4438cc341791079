import { randomBytes } from "node:crypto";
import type { AppLoadContext, EntryContext, HandleDataRequestFunction } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { renderToString } from "react-dom/server";
import { NonceProvider } from "~/utils/nonce";
import { startScheduler } from "~/utils/scheduler.server";
import { applySecurityHeaders } from "~/utils/security-headers.server";

// app/server.mjs runs before Remix and refuses cross-origin mutations with this same check,
// opens everything with boot() before it listens, and drains its requests before the database
// closes on the way out.
export { boot } from "~/utils/boot.server";
export { onShutdownDrainRequests } from "~/utils/db.server";
export { isSameOrigin } from "~/utils/http.server";
export { lowerWorkerPriority } from "~/utils/process-priority.server";
export { inRequestScope } from "~/utils/request-scope.server";

startScheduler();

/**
 * No route defers data, so a document is complete only once everything is ready, and it is
 * rendered in one synchronous pass to a string. The loaders' data for hydration (Remix's
 * turbo-stream, which <Scripts> would otherwise wait for under Suspense) is read to its end first
 * and handed to Remix's <StreamTransfer> as already arrived, so nothing suspends. A streamed
 * render cost about twice as much for the same HTML: each of its ~2 KB chunks went through
 * TextEncoder, a PassThrough, a web stream and the HTTP response in turn.
 */
export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  _loadContext: AppLoadContext,
) {
  const nonce = randomBytes(16).toString("base64");
  await readHandoff(remixContext);
  const html = renderToString(
    <NonceProvider value={nonce}>
      <RemixServer context={remixContext} url={request.url} nonce={nonce} />
    </NonceProvider>,
  );
  responseHeaders.set("Content-Type", "text/html; charset=utf-8");
  applySecurityHeaders(responseHeaders, nonce);
  // Bytes, not a string: a string body is first scanned for lone surrogates (toUSVString), which
  // on a 120 KB page cost more than encoding it.
  return new Response(Buffer.from(`<!DOCTYPE html>${html}`), { headers: responseHeaders, status: responseStatusCode });
}

/**
 * Reads the encoded loader data to its end and stores it where Remix's <StreamTransfer> (in
 * @remix-run/react 2.17, single-fetch.js) looks for chunks it has already read: one chunk, then
 * the end. The stream is unlocked again, as RemixServer takes a reader of its own.
 */
async function readHandoff(context: EntryContext) {
  const stream = context.serverHandoffStream;
  if (!stream) return;
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  text += decoder.decode();
  reader.releaseLock();
  const arrived = (result: { done: boolean; value: string }) => Object.assign(Promise.resolve(), { result });
  context.renderMeta ??= {};
  context.renderMeta.streamCache = { 0: arrived({ done: false, value: text }), 1: arrived({ done: true, value: "" }) };
}

export const handleDataRequest: HandleDataRequestFunction = (response) => {
  applySecurityHeaders(response.headers);
  return response;
};
