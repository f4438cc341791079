import { useNavigate } from "@remix-run/react";
import { type MouseEvent, useCallback } from "react";

/**
 * The click handler of a plain `<a href>` that navigates inside the app, as Remix's <Link> does,
 * for the many links of one list (a portfolio page has ~40). Each <Link> resolves its path three
 * times and keeps its own hooks on every render; one handler per list costs nothing per link.
 * A click with a modifier key or another button, or one a handler already took, is the browser's
 * (a new tab, a download); without JavaScript the link is a link.
 */
export function useInAppClick(options?: { preventScrollReset?: boolean }) {
  const navigate = useNavigate();
  const preventScrollReset = options?.preventScrollReset;
  return useCallback(
    (event: MouseEvent<HTMLAnchorElement>) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.altKey || event.ctrlKey || event.shiftKey) return;
      const anchor = event.currentTarget;
      if (anchor.target && anchor.target !== "_self") return;
      event.preventDefault();
      navigate(anchor.getAttribute("href") ?? "/", { preventScrollReset });
    },
    [navigate, preventScrollReset],
  );
}
