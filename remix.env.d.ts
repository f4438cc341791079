/// <reference types="@remix-run/dev" />
/// <reference types="@remix-run/node" />

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
  /** What app/server.mjs passes to loaders and actions. */
  interface AppLoadContext {
    /** The socket's peer address (sign-in throttling; see clientAddress in http.server.ts). */
    clientAddress?: string;
  }
}

export {};
