const UNITS = [
  { ms: 86_400_000, one: "day", many: "days" },
  { ms: 3_600_000, one: "hour", many: "hours" },
  { ms: 60_000, one: "minute", many: "minutes" },
  { ms: 1000, one: "second", many: "seconds" },
] as const;

/**
 * A duration from the environment (DELIGHT_REFRESH_INTERVAL, DELIGHT_RUN_RETENTION) as a person
 * says it, in the largest unit it is a whole number of: "6 hours", not "360 minutes"; "36 hours"
 * rather than "1.5 days". `every` gives the schedule's wording: "every day", "every 6 hours". Pure.
 */
export function durationWords(ms: number, options: { every?: boolean } = {}): string {
  const unit = UNITS.find((u) => ms >= u.ms && ms % u.ms === 0);
  if (!unit) return options.every ? `every ${ms} ms` : `${ms} ms`;
  const n = ms / unit.ms;
  if (options.every) return n === 1 ? `every ${unit.one}` : `every ${n} ${unit.many}`;
  return `${n} ${n === 1 ? unit.one : unit.many}`;
}
