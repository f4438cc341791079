import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rowsOf } from "../../db/rows";

/*
 * PostHog's per-key rate limits as budgets shared by every process that refreshes (posthog-api.md
 * §12). A refresh job takes its calls from the budgets before it asks PostHog; a job that does not
 * fit is deferred to when it would, never sent to collect a 429.
 *
 * Each budget is counted in slots of a twelfth of its window. A grant is allowed when the calls in
 * the current slot and the 13 before it (a window plus one slot of margin), with it, stay within
 * the limit. Any stretch of time as long as the window, wherever it starts, lies within those 14
 * slots, so PostHog's sliding windows are never exceeded, even with a few milliseconds between our
 * clock and the moment a request reaches PostHog. The price is ~1/7 of the throughput.
 */

export type BudgetClass = "all" | "analytics" | "hogql";
export type Budget = { name: string; class: BudgetClass; limit: number; windowMs: number };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SLOTS_PER_WINDOW = 12;
/** The slots a grant looks back over: the current one, a window's worth before it, and one of margin. */
const LOOKBACK = SLOTS_PER_WINDOW + 1;

export const POSTHOG_BUDGETS: Budget[] = [
  { name: "all/minute", class: "all", limit: 480, windowMs: MINUTE },
  { name: "all/hour", class: "all", limit: 4_800, windowMs: HOUR },
  { name: "analytics/minute", class: "analytics", limit: 240, windowMs: MINUTE },
  { name: "analytics/hour", class: "analytics", limit: 1_200, windowMs: HOUR },
  { name: "hogql/hour", class: "hogql", limit: 120, windowMs: HOUR },
];

export type Costs = Partial<Record<BudgetClass, number>>;

/**
 * What one refresh costs: seven REST calls and one HogQL query, all counted as calls; the insights
 * list and the query are analytics (ClickHouse) calls too. Extra pages are charged afterwards.
 */
export const REFRESH_COST: Required<Costs> = { all: 8, analytics: 2, hogql: 1 };

export type SlotRow = { budget: string; slot: number; used: number };
export type Decision = { granted: true } | { granted: false; waitMs: number; budget: string };

const slotMs = (b: Budget) => b.windowMs / SLOTS_PER_WINDOW;

/** Pure: whether `costs` fit the budgets given the slots already used, and if not, how long until they do. */
export function decide(rows: SlotRow[], budgets: Budget[], costs: Costs, nowMs: number): Decision {
  let wait = 0;
  let blocking = "";
  for (const b of budgets) {
    const cost = costs[b.class] ?? 0;
    if (cost === 0) continue;
    if (cost > b.limit) throw new Error(`a cost of ${cost} can never fit ${b.name} (${b.limit})`);
    const current = Math.floor(nowMs / slotMs(b));
    const used = rows
      .filter((r) => r.budget === b.name && r.slot > current - LOOKBACK - 1 && r.slot <= current)
      .sort((x, y) => x.slot - y.slot);
    let total = used.reduce((sum, r) => sum + r.used, 0);
    if (total + cost <= b.limit) continue;
    // The oldest slots leave the look-back one by one; the grant fits once enough have left.
    let freeAt = nowMs;
    for (const r of used) {
      total -= r.used;
      freeAt = (r.slot + LOOKBACK + 1) * slotMs(b);
      if (total + cost <= b.limit) break;
    }
    if (freeAt - nowMs > wait) {
      wait = freeAt - nowMs;
      blocking = b.name;
    }
  }
  return wait > 0 ? { granted: false, waitMs: Math.ceil(wait), budget: blocking } : { granted: true };
}

/**
 * Takes `costs` from the key's budgets if they fit, atomically for every process sharing the
 * database (an advisory lock per key, the database's clock); otherwise takes nothing and says how
 * long to wait. `keyHash` identifies the key (rateLimitKeyId), never the key itself.
 */
export async function takeBudget(
  db: Db,
  keyHash: string,
  costs: Costs,
  options: { budgets?: Budget[]; force?: boolean } = {},
): Promise<Decision> {
  const taken = await takeBudgets(db, keyHash, costs, 1, options);
  return taken.granted === 1 ? { granted: true } : taken.refused!;
}

/**
 * `takeBudget` for `count` refreshes of one key in one transaction (a worker's batch shares a key
 * across many customers): grants them one after another, exactly as `count` calls in a row would,
 * until one does not fit. Returns how many were granted, and why the next one was refused.
 */
export async function takeBudgets(
  db: Db,
  keyHash: string,
  costs: Costs,
  count: number,
  options: { budgets?: Budget[]; force?: boolean } = {},
): Promise<{ granted: number; refused?: Extract<Decision, { granted: false }> }> {
  const budgets = options.budgets ?? POSTHOG_BUDGETS;
  if (count <= 0) return { granted: 0 };
  return db.transaction(async (tx) => {
    const [clock] = rowsOf<{ now: number }>(
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtextextended(${`delight-budget:${keyHash}`}, 0)) is null as locked, (extract(epoch from clock_timestamp()) * 1000)::float8 as now`,
      ),
    );
    const nowMs = Number(clock!.now);
    const rows = rowsOf<SlotRow>(
      await tx.execute(sql`select budget, slot::float8 as slot, used from posthog_budget_slots where key_hash = ${keyHash}`),
    ).map((r) => ({ budget: r.budget, slot: Number(r.slot), used: Number(r.used) }));
    const charged = budgets.filter((b) => (costs[b.class] ?? 0) > 0);
    let granted = 0;
    let refused: Extract<Decision, { granted: false }> | undefined;
    for (; granted < count; granted += 1) {
      const decision = options.force ? ({ granted: true } as const) : decide(rows, budgets, costs, nowMs);
      if (!decision.granted) {
        refused = decision;
        break;
      }
      for (const b of charged) rows.push({ budget: b.name, slot: Math.floor(nowMs / slotMs(b)), used: costs[b.class]! });
    }
    const grants = charged.map((b) => ({ budget: b.name, slot: Math.floor(nowMs / slotMs(b)), used: costs[b.class]! * granted }));
    if (granted === 0 || grants.length === 0) return { granted, ...(refused ? { refused } : {}) };
    await tx.execute(sql`
      with old as (
        delete from posthog_budget_slots s using json_to_recordset(${JSON.stringify(grants)}::json) as g(budget text, slot bigint, used int)
        where s.key_hash = ${keyHash} and s.budget = g.budget and s.slot < g.slot - ${LOOKBACK + 1}
      )
      insert into posthog_budget_slots (key_hash, budget, slot, used)
      select ${keyHash}, g.budget, g.slot, g.used from json_to_recordset(${JSON.stringify(grants)}::json) as g(budget text, slot bigint, used int)
      on conflict (key_hash, budget, slot) do update set used = posthog_budget_slots.used + excluded.used`);
    return { granted, ...(refused ? { refused } : {}) };
  });
}
