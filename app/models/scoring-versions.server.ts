import { desc } from "drizzle-orm";
import { z } from "zod";
import { expireAll } from "../../checks/assessment/store";
import { loadScoring, VERSION_ONE } from "../../checks/rules";
import { describeScoringChange, type ScoringConfig } from "../../checks/scoring";
import type { Db } from "../../db/client";
import { scoringVersions } from "../../db/schema";
import { InputError, parseInput } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";

export const MAX_WEIGHT = 10;

export type ScoringVersionView = {
  number: number;
  author: string;
  createdAt: Date | null;
  changed: string[];
  bands: ScoringConfig["bands"];
};

/** Every version, newest first; version 1 is the one in code. */
export async function listScoringVersions(db: Db): Promise<ScoringVersionView[]> {
  const rows = await db.select().from(scoringVersions).orderBy(desc(scoringVersions.number));
  return [
    ...rows.map((r) => ({ number: r.number, author: r.author, createdAt: r.createdAt, changed: r.changed, bands: r.bands })),
    { number: 1, author: "delight (built in)", createdAt: null, changed: ["The handbook's weights and bands"], bands: VERSION_ONE.bands },
  ];
}

/**
 * Appends the next scoring version and, in the caller's transaction, expires every current
 * assessment: from the moment it commits no reader sees a customer under the old rules (an
 * expired assessment is re-assessed before it is read), and the re-assessment of the whole book
 * runs in batches outside the request (app/utils/scheduler.server.ts). Older assessments keep the
 * version they were computed with. `extra` lines record changes the weights do not show.
 */
export async function createScoringVersion(
  tx: Db,
  actor: Actor,
  next: Pick<ScoringConfig, "weights" | "bands">,
  extra: string[] = [],
  now = new Date(),
): Promise<{ number: number; changed: string[] }> {
  const current = await loadScoring(tx);
  const changed = [...extra, ...describeScoringChange(current, next)];
  if (changed.length === 0) throw new InputError({ form: "Nothing changed: the weights and bands are the same as the current version" });
  const number = Number(current.version) + 1;
  await tx
    .insert(scoringVersions)
    .values({ number, weights: next.weights, bands: next.bands, changed, author: actor.name, createdAt: now });
  await recordAudit(tx, actor, "scoring.version", "scoring_version", number, { changed });
  await expireAll(tx, now);
  return { number, changed };
}

const weight = z.preprocess(
  (v) => (typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z
    .number({ invalid_type_error: "Weights are whole numbers from 0 to 10" })
    .int("Weights are whole numbers from 0 to 10")
    .min(0, "Weights are whole numbers from 0 to 10")
    .max(MAX_WEIGHT, "Weights are whole numbers from 0 to 10"),
);
const threshold = (what: string) =>
  z.preprocess(
    (v) => (typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z
      .number({ required_error: `${what} threshold is required`, invalid_type_error: `${what} threshold must be a whole number` })
      .int(`${what} threshold must be a whole number`)
      .min(1, `${what} threshold must be from 1 to 100`)
      .max(100, `${what} threshold must be from 1 to 100`),
  );

export const BandsInputSchema = z
  .object({ healthy: threshold("Healthy"), concerning: threshold("Concerning") })
  .refine((s) => s.concerning < s.healthy, { path: ["concerning"], message: "The concerning threshold must be below the healthy one" });

/**
 * An admin's edit of weights and bands. Weights of checks not in the form stay as they are, so a
 * form listing only the checks in force cannot drop a retired check's or a disabled extra's weight.
 */
export async function saveScoring(
  db: Db,
  actor: Actor,
  raw: { weights: Record<string, unknown>; healthy: unknown; concerning: unknown },
  now = new Date(),
) {
  // Weight errors are keyed `w:<check id>`, the name of each input in the Settings form.
  const errors: Record<string, string> = {};
  const weights: Record<string, number> = {};
  for (const [id, value] of Object.entries(raw.weights)) {
    const parsed = weight.safeParse(value);
    if (parsed.success) weights[id] = parsed.data;
    else errors[`w:${id}`] = parsed.error.issues[0]!.message;
  }
  let bands: ScoringConfig["bands"] | null = null;
  try {
    bands = parseInput(BandsInputSchema, { healthy: raw.healthy, concerning: raw.concerning });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    Object.assign(errors, error.errors);
  }
  if (Object.keys(errors).length || !bands) throw new InputError(errors);
  const valid = bands;
  return db.transaction(async (tx) => {
    const current = await loadScoring(tx);
    const unknownIds = Object.keys(weights).filter((id) => !(id in current.weights));
    if (unknownIds.length) throw new InputError({ [`w:${unknownIds[0]}`]: `There is no check ${unknownIds[0]}` });
    return createScoringVersion(tx, actor, { weights: { ...current.weights, ...weights }, bands: valid }, [], now);
  });
}
