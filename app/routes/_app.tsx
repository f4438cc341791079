import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Outlet, useLoaderData } from "@remix-run/react";
import { AppShell, BADGE_MAX } from "~/components/app-shell";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { unreadCount } from "~/models/alerts.server";
import alertStyles from "~/styles/alerts.css";
import { requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: alertStyles }];

export async function loader({ request }: LoaderFunctionArgs) {
  // Never the whole session user: its session id must stay in the httpOnly cookie, out of the page.
  const { id, name, email, role } = await requireUser(request);
  // The badge reads "99+" beyond 99, so counting stops at 100.
  const unread = await unreadCount(await getDb(), id, new Date(), { cap: BADGE_MAX + 1 });
  return { user: { name, email, role }, unread: unread.count };
}

export default function AppLayout() {
  const { user, unread } = useLoaderData<typeof loader>();
  return (
    <AppShell user={user} unread={unread}>
      <Outlet />
    </AppShell>
  );
}

// The shell and navigation survive an error in the content pane.
export function ErrorBoundary() {
  return (
    <AppShell>
      <GeneralErrorBoundary />
    </AppShell>
  );
}
