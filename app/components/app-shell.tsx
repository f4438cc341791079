import { Form, NavLink, useLocation } from "@remix-run/react";
import { type FocusEvent, type KeyboardEvent, type ReactNode, useEffect, useRef, useState } from "react";

const LINKS = [
  { to: "/", label: "Customers", end: true },
  { to: "/alerts", label: "Alerts" },
  { to: "/plans", label: "Plans" },
  { to: "/users", label: "Users" },
  { to: "/tokens", label: "API tokens" },
  { to: "/audit", label: "Audit log", admin: true },
  { to: "/settings", label: "Settings" },
];

const linkClass = ({ isActive }: { isActive: boolean }) => `link${isActive ? " active" : ""}`;

// Without JavaScript the menu button cannot work, so the links simply show (wrapped above the page).
const NO_SCRIPT_CSS = ".nav-toggle{display:none!important}.nav-menu{display:flex!important}";

/**
 * The signed-in frame: a sidebar on wide screens, a bar with a "Menu" disclosure button on
 * narrow ones (app.css decides which), and the `main` landmark the skip link jumps to.
 */
/** The largest count the navigation badge spells out; more reads "99+". */
export const BADGE_MAX = 99;
const badge = (n: number) => (n > BADGE_MAX ? `${BADGE_MAX}+` : String(n));

export function AppShell({ children, user, unread = 0 }: { children: ReactNode; user?: { name: string; role: string }; unread?: number }) {
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const { pathname } = useLocation();

  // Following a link is the end of the menu's job on a phone.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation, which pathname stands for
  useEffect(() => setOpen(false), [pathname]);

  const closeOnEscape = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || !open) return;
    setOpen(false);
    toggle.current?.focus();
  };

  // Tabbing out of the open menu closes it. Only a known new focus counts: Safari does not focus
  // links on click, and closing on its null relatedTarget would hide a link mid-click.
  const closeOnFocusOut = (event: FocusEvent<HTMLElement>) => {
    const next = event.relatedTarget;
    if (open && next instanceof Node && !event.currentTarget.contains(next)) setOpen(false);
  };

  return (
    <div className="shell">
      <nav className="nav" aria-label="Main" data-open={open ? "" : undefined} onKeyDown={closeOnEscape} onBlur={closeOnFocusOut}>
        <noscript>
          {/* biome-ignore lint/security/noDangerouslySetInnerHtml: a constant, so that React does not escape the CSS */}
          <style dangerouslySetInnerHTML={{ __html: NO_SCRIPT_CSS }} />
        </noscript>
        <div className="nav-bar">
          <a className="brand" href="/">
            delight
          </a>
          <button
            ref={toggle}
            type="button"
            className="nav-toggle"
            aria-expanded={open}
            aria-controls="nav-menu"
            onClick={() => setOpen((o) => !o)}
          >
            <span aria-hidden="true" className="nav-toggle-icon" />
            Menu
            {unread > 0 ? (
              <span className="unread">
                {badge(unread)}
                {/* Not the word "alerts": the Alerts link inside is what text searches should find. */}
                <span className="sr-only"> unread</span>
              </span>
            ) : null}
          </button>
        </div>
        <div className="nav-menu" id="nav-menu">
          {LINKS.filter((l) => !l.admin || user?.role === "admin").map((l) => (
            <NavLink key={l.to} to={l.to} end={l.end} className={linkClass}>
              {l.label}
              {l.to === "/alerts" && unread > 0 ? (
                <span className="unread" data-testid="unread-count">
                  {badge(unread)}
                  <span className="sr-only"> open</span>
                </span>
              ) : null}
            </NavLink>
          ))}
          {user ? (
            <div className="who">
              <div data-testid="signed-in-as">{user.name}</div>
              <div>{user.role}</div>
              <NavLink to="/account" className={linkClass}>
                Your account
              </NavLink>
              <Form method="post" action="/logout">
                <button type="submit" className="link">
                  Sign out
                </button>
              </Form>
            </div>
          ) : null}
        </div>
      </nav>
      <main className="content" id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
