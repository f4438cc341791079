import { useMemo } from "react";
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { utcLabel } from "~/components/ui/relative-time";
import { chartPoints, type HistorySeries } from "~/models/history-chart";
import { ChartFrame, COLORS } from "./chart-frame";

const DAY = 86_400_000;
// Scores a few minutes apart (a refresh, then answers) need times, not the same date three times.
const tickFormat = (span: number) => (t: number) => new Date(t).toISOString().slice(span < 2 * DAY ? 11 : 5, span < 2 * DAY ? 16 : 10);

/**
 * Stored health scores over time; the band lines step where a scoring version moved them, and a
 * vertical mark (one per day, however many versions were saved that day) where the version changed.
 */
export function ScoreHistoryChart({ series }: { series: HistorySeries }) {
  const points = useMemo(() => chartPoints(series), [series]);
  const marks = series.marks;
  const span = points.length > 1 ? points[points.length - 1]!.t - points[0]!.t : 0;
  const ticks = [...new Set([0, ...points.flatMap((p) => [p.concerning, p.healthy]), 100])].sort((a, b) => a - b);
  return (
    <ChartFrame label={`Health score history, ${points.length} scores`} height={220}>
      <LineChart data={points} margin={{ top: 20, right: 24, bottom: 4, left: 0 }}>
        <CartesianGrid stroke={COLORS.grid} vertical={false} />
        <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={tickFormat(span)} minTickGap={24} />
        <YAxis domain={[0, 100]} ticks={ticks} width={36} />
        {(["healthy", "concerning"] as const).map((band) => (
          <Line
            key={band}
            dataKey={band}
            name={`${band} from`}
            type="stepAfter"
            stroke={COLORS.band}
            strokeDasharray="4 4"
            strokeWidth={1}
            dot={false}
            activeDot={false}
            tooltipType="none"
            legendType="none"
            isAnimationActive={false}
          />
        ))}
        {marks.map((m) => (
          <ReferenceLine
            key={m.t}
            x={m.t}
            stroke={COLORS.mark}
            strokeDasharray="3 3"
            label={{ value: m.label, position: "insideTopLeft", fill: COLORS.mark, fontSize: 12 }}
          />
        ))}
        <Tooltip labelFormatter={(t) => utcLabel(new Date(Number(t)).toISOString())} formatter={(v) => [v ?? "no score", "score"]} />
        <Line
          dataKey="score"
          type="stepAfter"
          stroke={COLORS.line}
          strokeWidth={2}
          dot={points.length < 40}
          connectNulls={false}
          isAnimationActive={false}
        />
      </LineChart>
    </ChartFrame>
  );
}
