import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { unreadCount } from "~/models/alerts.server";
import alertStyles from "~/styles/alerts.css";
import { requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: alertStyles }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const unread = await unreadCount(await getDb(), user.id);
  return { user, unread: unread.count };
}

const LINKS = [
  { to: "/", label: "Customers", end: true },
  { to: "/alerts", label: "Alerts" },
  { to: "/plans", label: "Plans" },
  { to: "/users", label: "Users" },
  { to: "/settings", label: "Settings" },
];

function Shell({ children, user, unread = 0 }: { children: React.ReactNode; user?: { name: string; role: string }; unread?: number }) {
  return (
    <div className="shell">
      <nav className="nav" aria-label="Main">
        <a className="brand" href="/">
          delight
        </a>
        {LINKS.map((l) => (
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
