import { type ReactNode, useEffect, useState } from "react";
import { ResponsiveContainer } from "recharts";

/**
 * A fixed-height box the chart fills. recharts 3 draws nothing on the server (it has no size to
 * draw at), yet rendering its tree there cost a customer page ~2 ms for its three charts: the
 * server and the browser's first (hydrating) render therefore give the empty box recharts would,
 * and the chart itself is rendered once the page is live. Same markup on both sides, so hydration
 * stays clean and the page does not jump when the SVG appears.
 */
export function ChartFrame({ label, height = 220, children }: { label: string; height?: number; children: ReactNode }) {
  const [live, setLive] = useState(false);
  useEffect(() => setLive(true), []);
  return (
    <figure className="chart" role="img" aria-label={label} style={{ height }}>
      {live ? (
        <ResponsiveContainer width="100%" height="100%">
          {children as React.ReactElement}
        </ResponsiveContainer>
      ) : (
        <div className="recharts-responsive-container" style={{ width: "100%", height: "100%", minWidth: 0 }} />
      )}
    </figure>
  );
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
export const formatCompact = (n: number) => compact.format(n);
const full = new Intl.NumberFormat("en-US");
export const formatFull = (n: number) => full.format(n);

export const COLORS = {
  line: "#1d4ed8",
  bar: "#60a5fa",
  quota: "#b91c1c",
  projection: "#b45309",
  grid: "#e5e7eb",
  mark: "#6d28d9",
  band: "#9ca3af",
};
