import type { ReactNode } from "react";

/**
 * A wide table that scrolls sideways inside its own box (with edge shadows as the cue, see
 * app.css) so the page never does. The box is a labelled, focusable region so keyboard users
 * can scroll it with the arrow keys too.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to be scrolled by keyboard
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
