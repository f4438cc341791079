import type { ReactNode } from "react";
import { ResponsiveContainer } from "recharts";

/**
 * A fixed-height box the chart fills. recharts 3 draws nothing on the server, so this box is all
 * the server renders: the same markup on both sides keeps hydration clean and the page from
 * jumping when the SVG appears.
 */
export function ChartFrame({ label, height = 220, children }: { label: string; height?: number; children: ReactNode }) {
  return (
    <figure className="chart" role="img" aria-label={label} style={{ height }}>
      <ResponsiveContainer width="100%" height="100%">
        {children as React.ReactElement}
      </ResponsiveContainer>
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
