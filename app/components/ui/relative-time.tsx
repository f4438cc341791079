import { formatDistanceStrict } from "date-fns";

/** "2026-12-02 18:48 UTC": the exact moment, for the pointer. */
export const utcLabel = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

/**
 * "3 minutes ago" / "in 1 minute", against the loader's `now` (not the browser's clock, so the
 * server's HTML and the hydrated page say the same), with the exact time in UTC on hover.
 */
export function RelativeTime({ at, now }: { at: string; now: string }) {
  return (
    <time dateTime={at} title={utcLabel(at)}>
      {formatDistanceStrict(new Date(at), new Date(now), { addSuffix: true })}
    </time>
  );
}
