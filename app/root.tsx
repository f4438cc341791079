import type { LinksFunction, MetaFunction } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration } from "@remix-run/react";
import { type ReactNode, useEffect } from "react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import styles from "~/styles/app.css";
import { replayEarlyInput } from "~/utils/early-input.client";
import { useNonce } from "~/utils/nonce";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "delight" }];

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {/* The first thing Tab reaches on every page; each page's <main> is #main. */}
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  // After React's first commit (and every child's effects): what was typed before it is put back,
  // then the page is marked as React's (the browser tests wait for the mark).
  useEffect(() => {
    replayEarlyInput();
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return <Outlet />;
}

export function ErrorBoundary() {
  return (
    <main className="bare" id="main" tabIndex={-1}>
      <GeneralErrorBoundary />
    </main>
  );
}
