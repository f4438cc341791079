import { z } from "zod";
import { expireAll } from "../../checks/assessment/store";
import { EXTRA_IDS } from "../../checks/extras";
import { loadScoring, loadTeamSettings } from "../../checks/rules";
import type { Db } from "../../db/client";
import { teamSettings } from "../../db/schema";
import { parseInput } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";
import { createScoringVersion } from "./scoring-versions.server";

const LIB = /^[A-Za-z0-9_.@/-]{1,60}$/;
const VERSION = /^\d{1,6}(\.\d{1,6}){0,3}$/;

/** "web=1.150.0, posthog-node=4.0.0" (commas or new lines) as { lib: version }. */
export function parseMinVersions(text: string): { ok: true; value: Record<string, string> } | { ok: false; message: string } {
  const value: Record<string, string> = {};
  for (const entry of text
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [lib, version, ...rest] = entry.split("=").map((p) => p.trim());
    if (!lib || !version || rest.length || !LIB.test(lib) || !VERSION.test(version)) {
      return { ok: false, message: `"${entry.slice(0, 80)}" is not lib=version (e.g. web=1.150.0)` };
    }
    value[lib] = version;
  }
  if (Object.keys(value).length > 50) return { ok: false, message: "At most 50 libraries" };
  return { ok: true, value };
}

export const TeamSettingsInputSchema = z.object({
  extras: z.array(z.enum(EXTRA_IDS, { errorMap: () => ({ message: "Unknown extra check" }) })).default([]),
  minSdkVersions: z
    .string()
    .max(4000, "Too long")
    .default("")
    .transform((text, ctx) => {
      const parsed = parseMinVersions(text);
      if (!parsed.ok) {
        ctx.addIssue({ code: "custom", message: parsed.message });
        return z.NEVER;
      }
      return parsed.value;
    }),
});

/**
 * Switches extras on or off and sets the minimum SDK versions. Switching changes which checks
 * count, so it makes a new scoring version; new minimums only re-decide the outdated-SDK check,
 * so every customer is re-assessed under the same version.
 */
export async function saveTeamSettings(db: Db, actor: Actor, raw: unknown, now = new Date()) {
  const input = parseInput(TeamSettingsInputSchema, raw);
  return db.transaction(async (tx) => {
    const before = await loadTeamSettings(tx);
    const on = input.extras.filter((id) => !before.extras.includes(id));
    const off = before.extras.filter((id) => !input.extras.includes(id));
    const minsChanged = JSON.stringify(before.minSdkVersions) !== JSON.stringify(input.minSdkVersions);
    const row = { extras: [...input.extras], minSdkVersions: input.minSdkVersions, updatedBy: actor.name, updatedAt: now };
    await tx
      .insert(teamSettings)
      .values({ id: 1, ...row })
      .onConflictDoUpdate({ target: teamSettings.id, set: row });
    await recordAudit(tx, actor, "settings.update", "team_settings", 1, {
      extrasOn: on,
      extrasOff: off,
      minSdkVersions: input.minSdkVersions,
    });
    if (on.length || off.length) {
      const scoring = await loadScoring(tx);
      const lines = [...on.map((id) => `Switched on ${id}`), ...off.map((id) => `Switched off ${id}`)];
      const version = await createScoringVersion(tx, actor, { weights: scoring.weights, bands: scoring.bands }, lines, now);
      return { version: version.number, changed: lines };
    }
    if (minsChanged) await expireAll(tx, now);
    return { version: null, changed: minsChanged ? ["Minimum SDK versions"] : [] };
  });
}
