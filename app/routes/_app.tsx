import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { unreadCount } from "~/models/alerts.server";
import alertStyles from "~/styles/alerts.css";
import { requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: alertStyles }];

export async function loader({ request }: LoaderFunctionArgs) {
  // Never the whole session user: its session id must stay in the httpOnly cookie, out of the page.
  const { id, name, email, role } = await requireUser(request);
  const unread = await unreadCount(await getDb(), id);
  return { user: { name, email, role }, unread: unread.count };
}

const LINKS = [
  { to: "/", label: "Customers", end: true },
  { to: "/alerts", label: "Alerts" },
  { to: "/plans", label: "Plans" },
  { to: "/users", label: "Users" },
  { to: "/tokens", label: "API tokens" },
  { to: "/audit", label: "Audit log", admin: true },
  { to: "/settings", label: "Settings" },
];

function Shell({ children, user, unread = 0 }: { children: React.ReactNode; user?: { name: string; role: string }; unread?: number }) {
  return (
    <div className="shell">
      <nav className="nav" aria-label="Main">
        <a className="brand" href="/">
          delight
        </a>
        {LINKS.filter((l) => !l.admin || user?.role === "admin").map((l) => (
          <NavLink key={l.to} to={l.to} end={l.end} className={({ isActive }) => `link${isActive ? " active" : ""}`}>
            {l.label}
            {l.to === "/alerts" && unread > 0 ? (
              <span className="unread" data-testid="unread-count">
                {unread}
                <span className="sr-only"> open</span>
              </span>
            ) : null}
          </NavLink>
        ))}
        {user ? (
          <div className="who">
            <div data-testid="signed-in-as">{user.name}</div>
            <div>{user.role}</div>
            <NavLink to="/account" className={({ isActive }) => `link${isActive ? " active" : ""}`}>
              Your account
            </NavLink>
            <Form method="post" action="/logout">
              <button type="submit" className="link">
                Sign out
              </button>
            </Form>
          </div>
        ) : null}
      </nav>
      <main className="content">{children}</main>
    </div>
  );
}

export default function AppLayout() {
  const { user, unread } = useLoaderData<typeof loader>();
  return (
    <Shell user={user} unread={unread}>
      <Outlet />
    </Shell>
  );
}

// The shell and navigation survive an error in the content pane.
export function ErrorBoundary() {
  return (
    <Shell>
      <GeneralErrorBoundary />
    </Shell>
  );
}
