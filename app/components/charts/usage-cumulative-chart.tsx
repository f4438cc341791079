import { CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { ChartFrame, COLORS, formatCompact, formatFull } from "./chart-frame";

export type CumulativePoint = { label: string; actual: number | null; projection: number | null };

/** Events so far this period, the projection to period end, and the plan's quota. */
export function UsageCumulativeChart({ points, quota }: { points: CumulativePoint[]; quota: number | null }) {
  return (
    <ChartFrame label="Cumulative events this billing period against the quota" height={240}>
      <ComposedChart data={points} margin={{ top: 16, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid stroke={COLORS.grid} vertical={false} />
        <XAxis dataKey="label" minTickGap={16} />
        <YAxis tickFormatter={formatCompact} width={60} domain={[0, (max: number) => Math.ceil(Math.max(max, quota ?? 0) * 1.08)]} />
        <Tooltip formatter={(v, name) => [v === null || v === undefined ? "–" : formatFull(Number(v)), name]} />
        <Legend verticalAlign="bottom" height={24} />
        <Line name="events so far" dataKey="actual" stroke={COLORS.line} strokeWidth={2} dot={false} isAnimationActive={false} />
        <Line
          name="projection"
          dataKey="projection"
          stroke={COLORS.projection}
          strokeDasharray="5 4"
          strokeWidth={2}
          dot={false}
          isAnimationActive={false}
        />
        {quota ? (
          <ReferenceLine
            y={quota}
            stroke={COLORS.quota}
            label={{ value: `quota ${formatCompact(quota)}`, position: "insideTopLeft", fill: COLORS.quota, fontSize: 12 }}
          />
        ) : null}
      </ComposedChart>
    </ChartFrame>
  );
}
