import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { createPostHogClient } from "./client";
import { ACTIONS, DASHBOARDS, FEATURE_FLAGS, INSIGHTS, MEMBERS, PERSON_PROPERTIES, PROJECT, type Shape } from "./quick-shapes";

/*
 * The promise of quick-shapes.ts: for any value, the quick check either answers exactly what the
 * zod schema answers, or undefined (zod then decides). Checked on every sandbox scenario's real
 * answers and on each of them broken one field at a time, at every depth.
 */

const NOW = new Date("2025-06-15T12:00:00Z");
let sandbox: Sandbox;
const answers: Record<string, unknown[]> = {
  project: [],
  members: [],
  actions: [],
  insights: [],
  dashboards: [],
  featureFlags: [],
  personProperties: [],
};

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW });
  for (const customer of sandbox.customers) {
    const client = createPostHogClient({ host: sandbox.url, apiKey: customer.apiKey, projectId: customer.projectId, retries: 0 });
    const p = `/api/projects/${customer.projectId}`;
    const project = (await client.getJson(`${p}/`).catch(() => null)) as { organization?: string } | null;
    if (!project) continue;
    answers.project!.push(project);
    const members = await client.getAllPages(`/api/organizations/${project.organization}/members/`).catch(() => null);
    if (members) {
      answers.members!.push(members);
      // The pre-2024 serializer: user_email and no last_login.
      answers.members!.push(
        members.map((m) => {
          const { user, last_login: _, ...rest } = m as { user: { email: string | null }; last_login: unknown };
          return { ...rest, user_email: user.email };
        }),
      );
    }
    const read = async (field: string, get: () => Promise<unknown>) => {
      const value = await get().catch(() => null);
      if (value !== null) answers[field]!.push(value);
    };
    await read("actions", () => client.getJson(`${p}/actions/`));
    await read("insights", () => client.getAllPages(`${p}/insights/?basic=true&insight=FUNNELS&saved=true`));
    await read("dashboards", () => client.getAllPages(`${p}/dashboards/`));
    await read("featureFlags", () => client.getAllPages(`${p}/feature_flags/`));
    await read("personProperties", () => client.getAllPages(`${p}/property_definitions/?type=person`));
  }
});
afterAll(async () => {
  await sandbox.close();
});

const DELETE = Symbol("delete");
const REPLACEMENTS: unknown[] = [DELETE, null, "", "x", 0, 7, 1.5, -1, true, false, {}, [], [null], ["x"], [1], { a: 1 }, new Date(0)];

/** `value` with one thing changed: each key or first items deleted or replaced, at every depth up to `depth`. */
function* mutations(value: unknown, depth: number): Generator<unknown> {
  if (depth === 0 || typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    if (value.length === 0) return;
    // The first and the last item stand for the rest.
    for (const index of new Set([0, value.length - 1])) {
      for (const r of REPLACEMENTS) yield value.map((v, i) => (i === index ? r : v)).filter((v) => v !== DELETE);
      for (const m of mutations(value[index], depth - 1)) yield value.map((v, i) => (i === index ? m : v));
    }
    return;
  }
  const fields = value as Record<string, unknown>;
  yield { ...fields, unexpected: { added: true } };
  for (const key of Object.keys(fields)) {
    for (const r of REPLACEMENTS) {
      const copy = { ...fields };
      if (r === DELETE) delete copy[key];
      else copy[key] = r;
      yield copy;
    }
    for (const m of mutations(fields[key], depth - 1)) yield { ...fields, [key]: m };
  }
}

const shapes: [string, Shape<unknown>][] = [
  ["project", PROJECT],
  ["members", MEMBERS],
  ["actions", ACTIONS],
  ["insights", INSIGHTS],
  ["dashboards", DASHBOARDS],
  ["featureFlags", FEATURE_FLAGS],
  ["personProperties", PERSON_PROPERTIES],
];

describe.each(shapes)("%s", (field, shape) => {
  it("reads every sandbox answer without zod, to exactly zod's value", () => {
    expect(answers[field]!.length).toBeGreaterThan(0);
    for (const answer of answers[field]!) {
      const quick = shape.quick(answer);
      expect(quick).toBeDefined();
      expect(quick).toEqual(shape.schema.parse(answer));
    }
  });

  it("answers zod's value or leaves the answer to zod, whatever one field is changed to", () => {
    let checked = 0;
    let refused = 0;
    for (const answer of answers[field]!.slice(0, 6)) {
      for (const changed of mutations(answer, 5)) {
        const quick = shape.quick(changed);
        const judged = shape.schema.safeParse(changed);
        if (quick !== undefined) {
          expect(judged.success).toBe(true);
          expect(quick).toEqual(judged.data);
        } else if (!judged.success) refused += 1;
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(100);
    // zod refused some of the broken answers, and those were never read quickly.
    expect(refused).toBeGreaterThan(0);
  });
});
