/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  serverPlatform: "node",
  // db/ and checks/ are imported by app/**/*.server.ts; postgres.js and PGlite stay external.
  serverDependenciesToBundle: [],
  future: {
    v3_fetcherPersist: true,
    // Off on purpose: with ~20 routes the whole manifest is smaller than one /__manifest request,
    // which cost the server as much as a page (see the commit that turned it off).
    v3_lazyRouteDiscovery: false,
    v3_relativeSplatPath: true,
    v3_singleFetch: true,
    v3_throwAbortReason: true,
  },
};
