import { AsyncLocalStorage } from "node:async_hooks";

// Remix hands each loader of one page its own copy of the Request, so nothing on the Request can
// tell two loaders of one page view apart from two page views; the server (app/server.mjs) runs
// each request inside a scope instead.
const scope = new AsyncLocalStorage<Map<string, unknown>>();

export function inRequestScope<T>(fn: () => T): T {
  return scope.run(new Map(), fn);
}

/**
 * The value `read` gives, computed once per GET request for `key` (the layout's and the page's
 * loaders share it). A POST runs its action first, and what the loaders then read must see the
 * change, so nothing is shared there; outside a request (tests, the CLI) every call reads.
 */
export function oncePerRequest<T>(request: Request, key: string, read: () => T): T {
  const store = scope.getStore();
  if (!store || (request.method !== "GET" && request.method !== "HEAD")) return read();
  if (!store.has(key)) store.set(key, read());
  return store.get(key) as T;
}
