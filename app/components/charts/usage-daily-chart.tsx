import { Bar, BarChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { ChartFrame, COLORS, formatCompact, formatFull } from "./chart-frame";

/** Events per day of the billing period, against the even daily pace that would use the quota. */
export function UsageDailyChart({ daily, dailyPace }: { daily: { label: string; events: number | null }[]; dailyPace: number | null }) {
  return (
    <ChartFrame label="Events per day this billing period" height={200}>
      <BarChart data={daily} margin={{ top: 16, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid stroke={COLORS.grid} vertical={false} />
        <XAxis dataKey="label" minTickGap={16} />
        <YAxis tickFormatter={formatCompact} width={60} domain={[0, (max: number) => Math.max(max, dailyPace ?? 0)]} />
        <Tooltip formatter={(v) => [formatFull(Number(v)), "events"]} />
        <Bar dataKey="events" fill={COLORS.bar} isAnimationActive={false} />
        {dailyPace ? (
          <ReferenceLine
            y={dailyPace}
            stroke={COLORS.quota}
            strokeDasharray="4 4"
            label={{ value: "quota pace", position: "insideTopRight", fill: COLORS.quota, fontSize: 12 }}
          />
        ) : null}
      </BarChart>
    </ChartFrame>
  );
}
