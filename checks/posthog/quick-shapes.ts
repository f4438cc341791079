import type { z } from "zod";
import type { ActionInfo, DashboardInfo, FeatureFlagInfo, InsightInfo, Member, PersonPropertyInfo, ProjectInfo } from "../snapshot";
import {
  ActionsListSchema,
  DashboardSchema,
  FeatureFlagSchema,
  InsightSchema,
  MemberSchema,
  PersonPropertySchema,
  ProjectSchema,
  toAction,
  toCurrentMember,
  toDashboard,
  toFeatureFlag,
  toInsight,
  toLegacyMember,
  toPersonProperty,
  toProject,
} from "./schemas";

/*
 * zod stays the judge of what PostHog returns; these checks only spare it the usual case. Each
 * accepts nothing its schema refuses and makes the same value through the schema's own transform;
 * for anything else (a missing or retyped field, an odd shape) it answers undefined and the zod
 * schema decides, and names the failing field as before. zod walked every field of every item of
 * every answer, copying each object on the way: a noticeable share of a refresh's CPU.
 * quick-shapes.test.ts checks the "same value or undefined" promise on mutated answers.
 */

export type Shape<T> = {
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  /** The schema's output for a well-formed value; undefined when zod must decide. */
  quick: (value: unknown) => T | undefined;
};

type Fields = Record<string, unknown>;

/** A plain object (what JSON.parse makes); zod's own object check is wider, which only means zod decides. */
export const isPlainObject = (v: unknown): v is Fields => {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const isString = (v: unknown): v is string => typeof v === "string";
const nullish = (v: unknown) => v === undefined || v === null;
const stringish = (v: unknown) => nullish(v) || typeof v === "string";
const boolish = (v: unknown) => nullish(v) || typeof v === "boolean";
/** z.object({}).passthrough().nullish() */
const objectish = (v: unknown) => nullish(v) || isPlainObject(v);

function every(list: unknown, item: (v: unknown) => boolean): boolean {
  if (!Array.isArray(list)) return false;
  for (const v of list) if (!item(v)) return false;
  return true;
}
const listish = (v: unknown, item: (v: unknown) => boolean) => nullish(v) || every(v, item);

const projectOk = (p: unknown) =>
  isPlainObject(p) &&
  isInt(p.id) &&
  stringish(p.name) &&
  isString(p.organization) &&
  p.organization.length >= 1 &&
  isString(p.created_at) &&
  stringish(p.timezone) &&
  listish(p.app_urls, (u) => u === null || isString(u)) &&
  listish(p.test_account_filters, (f) => isPlainObject(f) && isString(f.key) && stringish(f.operator) && stringish(f.type));

const currentMemberOk = (m: Fields) =>
  isPlainObject(m.user) && stringish(m.user.email) && stringish(m.joined_at) && stringish(m.last_login);
const legacyMemberOk = (m: Fields) => (m.user_email === null || isString(m.user_email)) && stringish(m.joined_at);

const actionOk = (a: unknown) => isPlainObject(a) && isInt(a.id) && stringish(a.name) && stringish(a.created_at) && objectish(a.created_by);

const queryNodeOk = (q: unknown) =>
  nullish(q) || (isPlainObject(q) && stringish(q.kind) && (nullish(q.source) || (isPlainObject(q.source) && stringish(q.source.kind))));

const insightOk = (i: unknown) =>
  isPlainObject(i) &&
  isInt(i.id) &&
  stringish(i.name) &&
  stringish(i.derived_name) &&
  objectish(i.filters) &&
  queryNodeOk(i.query) &&
  objectish(i.created_by) &&
  boolish(i.saved) &&
  stringish(i.created_at) &&
  listish(i.dashboards, isInt) &&
  listish(i.dashboard_tiles, (t) => isPlainObject(t) && isInt(t.dashboard_id) && boolish(t.deleted)) &&
  stringish(i.last_viewed_at);

const dashboardOk = (d: unknown) =>
  isPlainObject(d) &&
  isInt(d.id) &&
  stringish(d.name) &&
  objectish(d.created_by) &&
  stringish(d.creation_mode) &&
  stringish(d.created_at) &&
  boolish(d.pinned) &&
  stringish(d.last_accessed_at);

const flagOk = (f: unknown) =>
  isPlainObject(f) && isInt(f.id) && isString(f.key) && typeof f.active === "boolean" && boolish(f.archived) && boolish(f.deleted);

const propertyOk = (p: unknown) => isPlainObject(p) && isString(p.name) && boolish(p.virtual);

/** A list whose every item passes `ok`, mapped by the schema's transform. */
function listShape<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, ok: (v: unknown) => boolean, make: (v: never) => T): Shape<T[]> {
  return {
    schema: schema.array(),
    quick: (value) => (every(value, ok) ? (value as never[]).map(make) : undefined),
  };
}

export const PROJECT: Shape<ProjectInfo> = {
  schema: ProjectSchema,
  quick: (value) => (projectOk(value) ? toProject(value as never) : undefined),
};

// The union tries the current serializer first, then the pre-2024 one, as zod's union does.
export const MEMBERS: Shape<Member[]> = {
  schema: MemberSchema.array(),
  quick: (value) => {
    if (!Array.isArray(value)) return undefined;
    const out: Member[] = [];
    for (const m of value) {
      if (!isPlainObject(m)) return undefined;
      if (currentMemberOk(m)) out.push(toCurrentMember(m as never));
      else if (legacyMemberOk(m)) out.push(toLegacyMember(m as never));
      else return undefined;
    }
    return out;
  },
};

export const ACTIONS: Shape<{ results: ActionInfo[] }> = {
  schema: ActionsListSchema,
  quick: (value) =>
    isPlainObject(value) && every(value.results, actionOk) ? { results: (value.results as never[]).map(toAction) } : undefined,
};

export const INSIGHTS = listShape<InsightInfo>(InsightSchema, insightOk, toInsight);
export const DASHBOARDS = listShape<DashboardInfo>(DashboardSchema, dashboardOk, toDashboard);
export const FEATURE_FLAGS = listShape<FeatureFlagInfo>(FeatureFlagSchema, flagOk, toFeatureFlag);
export const PERSON_PROPERTIES = listShape<PersonPropertyInfo>(PersonPropertySchema, propertyOk, toPersonProperty);
