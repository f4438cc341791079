import { z } from "zod";
import type { ActionInfo, DashboardInfo, FeatureFlagInfo, InsightInfo, Member, PersonPropertyInfo, ProjectInfo } from "../snapshot";

// Only the fields delight reads are declared; zod drops the rest, so PostHog adding fields is
// harmless while a missing or retyped field becomes a bad_response for that one call.

const Creator = z.object({}).passthrough().nullish();
const Timestamp = z.string().nullish();

/*
 * Each transform is a named function so that checks/posthog/quick-shapes.ts, which checks the
 * usual well-formed answers without zod, makes exactly the same values from them.
 */

const ProjectFields = z.object({
  id: z.number().int(),
  name: z.string().nullish(),
  organization: z.string().min(1),
  created_at: z.string(),
  timezone: z.string().nullish(),
  app_urls: z.array(z.string().nullable()).nullish(),
  test_account_filters: z
    .array(z.object({ key: z.string(), operator: z.string().nullish(), value: z.unknown(), type: z.string().nullish() }))
    .nullish(),
});

export const toProject = (p: z.output<typeof ProjectFields>): ProjectInfo => ({
  id: p.id,
  name: p.name ?? "",
  organizationId: p.organization,
  createdAt: p.created_at,
  timezone: p.timezone || "UTC",
  appUrls: (p.app_urls ?? []).filter((u): u is string => typeof u === "string" && u !== ""),
  testAccountFilters: (p.test_account_filters ?? []).map((f) => ({
    key: f.key,
    ...(f.operator != null ? { operator: f.operator } : {}),
    ...(f.value !== undefined ? { value: f.value } : {}),
    ...(f.type != null ? { type: f.type } : {}),
  })),
});

export const ProjectSchema = ProjectFields.transform(toProject);

// Current serializer: user.email + last_login. Pre-2024: user_email and no last_login at all.
const CurrentMember = z.object({
  user: z.object({ email: z.string().nullish() }),
  joined_at: Timestamp,
  last_login: Timestamp,
});
const LegacyMember = z.object({ user_email: z.string().nullable(), joined_at: Timestamp });

export const toCurrentMember = (m: z.output<typeof CurrentMember>): Member => ({
  email: m.user.email ?? null,
  joinedAt: m.joined_at ?? null,
  lastLogin: m.last_login ?? null,
});
export const toLegacyMember = (m: z.output<typeof LegacyMember>): Member => ({
  email: m.user_email ?? null,
  joinedAt: m.joined_at ?? null,
  lastLogin: null,
});

export const MemberSchema = z
  .union([CurrentMember, LegacyMember])
  .transform((m): Member => ("user" in m ? toCurrentMember(m) : toLegacyMember(m)));

const ActionFields = z.object({ id: z.number().int(), name: z.string().nullish(), created_at: Timestamp, created_by: Creator });

export const toAction = (a: z.output<typeof ActionFields>): ActionInfo => ({
  id: a.id,
  name: a.name ?? "",
  createdAt: a.created_at ?? null,
  hasCreator: a.created_by != null,
});

export const ActionsListSchema = z.object({ results: z.array(ActionFields.transform(toAction)) });

const QueryNode = z
  .object({ kind: z.string().nullish(), source: z.object({ kind: z.string().nullish() }).passthrough().nullish() })
  .passthrough();

const InsightFields = z.object({
  id: z.number().int(),
  name: z.string().nullish(),
  derived_name: z.string().nullish(),
  filters: z.object({ insight: z.unknown() }).passthrough().nullish(),
  query: QueryNode.nullish(),
  created_by: Creator,
  saved: z.boolean().nullish(),
  created_at: Timestamp,
  dashboards: z.array(z.number().int()).nullish(),
  dashboard_tiles: z.array(z.object({ dashboard_id: z.number().int(), deleted: z.boolean().nullish() })).nullish(),
  last_viewed_at: Timestamp,
});

export const toInsight = (i: z.output<typeof InsightFields>): InsightInfo => {
  const tileDashboards = (i.dashboard_tiles ?? []).filter((t) => t.deleted !== true).map((t) => t.dashboard_id);
  const legacy = i.filters?.insight;
  return {
    id: i.id,
    name: i.name ?? i.derived_name ?? null,
    queryKind: i.query?.kind ?? null,
    sourceKind: i.query?.source?.kind ?? null,
    legacyInsight: typeof legacy === "string" && legacy !== "" ? legacy : null,
    hasCreator: i.created_by != null,
    saved: i.saved ?? false,
    createdAt: i.created_at ?? null,
    dashboardIds: [...new Set([...tileDashboards, ...(i.dashboards ?? [])])].sort((a, b) => a - b),
    lastViewedAt: i.last_viewed_at ?? null,
  };
};

export const InsightSchema = InsightFields.transform(toInsight);

const DashboardFields = z.object({
  id: z.number().int(),
  name: z.string().nullish(),
  created_by: Creator,
  creation_mode: z.string().nullish(),
  created_at: Timestamp,
  pinned: z.boolean().nullish(),
  // Moved by anyone opening the dashboard (PostHog's own detail view sets it), unlike
  // last_viewed_at, which is only the key owner's own last view.
  last_accessed_at: Timestamp,
});

export const toDashboard = (d: z.output<typeof DashboardFields>): DashboardInfo => ({
  id: d.id,
  name: d.name ?? "",
  hasCreator: d.created_by != null,
  creationMode: d.creation_mode ?? null,
  createdAt: d.created_at ?? null,
  pinned: d.pinned ?? false,
  lastAccessedAt: d.last_accessed_at ?? null,
});

export const DashboardSchema = DashboardFields.transform(toDashboard);

const FeatureFlagFields = z.object({
  id: z.number().int(),
  key: z.string(),
  active: z.boolean(),
  // Older versions have no `archived`; the list omits archived flags by default anyway.
  archived: z.boolean().nullish(),
  deleted: z.boolean().nullish(),
});

export const toFeatureFlag = (f: z.output<typeof FeatureFlagFields>): FeatureFlagInfo => ({
  id: f.id,
  key: f.key,
  active: f.active,
  archived: f.archived ?? false,
  deleted: f.deleted ?? false,
});

export const FeatureFlagSchema = FeatureFlagFields.transform(toFeatureFlag);

// Virtual `$builtin_*` entries are appended on the last page; keep the flag so rules can skip them.
const PersonPropertyFields = z.object({ name: z.string(), virtual: z.boolean().nullish() });

export const toPersonProperty = (p: z.output<typeof PersonPropertyFields>): PersonPropertyInfo => ({
  name: p.name,
  virtual: p.virtual ?? false,
});

export const PersonPropertySchema = PersonPropertyFields.transform(toPersonProperty);

/** Parses with a schema; a mismatch names the failing field, never its value. */
export function parseOrExplain<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  value: unknown,
  what: string,
): { ok: true; value: T } | { ok: false; message: string } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? ` (field ${issue.path.join(".")})` : "";
  return { ok: false, message: `PostHog returned ${what} delight could not read${where}` };
}
