import type { Json } from "./fixtures";
import { VIRTUAL_PERSON_PROPERTIES } from "./fixtures";
import type { SandboxProject } from "./project-builder";

// List endpoints as PostHog's viewsets answer them: LimitOffsetPagination (100 a page) with
// absolute `next` links built from the request's host, and the per-endpoint filters and orders.

export type ListAnswer = { status: number; body: unknown };

const int = (value: string | null, fallback: number) => {
  const n = value === null ? NaN : Number.parseInt(value, 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};

function link(url: URL, origin: string, limit: number, offset: number): string {
  const out = new URL(`${url.pathname}${url.search}`, origin);
  out.searchParams.set("limit", String(limit));
  out.searchParams.set("offset", String(offset));
  return out.toString();
}

/** DRF's envelope; `extraOnLastPage` is how PostHog appends virtual person properties. */
export function paginate(items: Json[], url: URL, origin: string, extraOnLastPage: Json[] = []) {
  const limit = Math.max(1, Math.min(int(url.searchParams.get("limit"), 100), 1000));
  const offset = int(url.searchParams.get("offset"), 0);
  const last = offset + limit >= items.length;
  return {
    count: items.length + extraOnLastPage.length,
    next: last ? null : link(url, origin, limit, offset + limit),
    previous: offset > 0 ? link(url, origin, limit, Math.max(0, offset - limit)) : null,
    results: [...items.slice(offset, offset + limit), ...(last ? extraOnLastPage : [])],
  };
}

const by =
  <T>(key: (x: T) => string, desc = false) =>
  (a: T, b: T) =>
    (desc ? -1 : 1) * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

function isFunnel(insight: Json): boolean {
  const query = insight.query as { kind?: string; source?: { kind?: string } } | null;
  const filters = insight.filters as { insight?: string } | null;
  if (query) return query.kind === "FunnelsQuery" || (query.kind === "InsightVizNode" && query.source?.kind === "FunnelsQuery");
  return filters?.insight === "FUNNELS";
}

/** `saved=true` also returns unsaved insights that sit on a dashboard (posthog-api.md §16). */
function onDashboard(insight: Json): boolean {
  return ((insight.dashboard_tiles as { deleted: boolean | null }[]) ?? []).some((t) => t.deleted !== true);
}

export function listFor(project: SandboxProject, resource: string, url: URL, origin: string): ListAnswer {
  const q = url.searchParams;
  switch (resource) {
    case "members":
      return { status: 200, body: paginate([...project.members].sort(by((m) => String(m.joined_at), true)), url, origin) };
    case "actions": {
      // Unpaginated unless a limit is given, and never with next/previous.
      const all = project.actions;
      const offset = int(q.get("offset"), 0);
      const results = q.has("limit") ? all.slice(offset, offset + int(q.get("limit"), 100)) : all;
      return { status: 200, body: { count: all.length, results } };
    }
    case "insights": {
      let items = project.insights;
      if (q.get("insight") === "FUNNELS") items = items.filter(isFunnel);
      if (q.get("saved") === "true") items = items.filter((i) => i.saved === true || onDashboard(i));
      return { status: 200, body: paginate(items, url, origin) };
    }
    case "dashboards": {
      const items = project.dashboards
        .filter((d) => d.deleted !== true && d.creation_mode !== "unlisted")
        .sort((a, b) => Number(b.pinned) - Number(a.pinned) || by((d: Json) => String(d.name))(a, b));
      return { status: 200, body: paginate(items, url, origin) };
    }
    case "feature_flags": {
      const archived = q.get("archived") === "true";
      const items = project.flags
        .filter((f) => f.deleted !== true && Boolean(f.archived) === archived)
        .sort(by((f) => String(f.created_at), true));
      return { status: 200, body: paginate(items, url, origin) };
    }
    case "property_definitions": {
      const type = q.get("type") ?? "event";
      if (type !== "person") return { status: 200, body: paginate([], url, origin) };
      return { status: 200, body: paginate(project.personProperties, url, origin, VIRTUAL_PERSON_PROPERTIES) };
    }
    default:
      return { status: 404, body: { type: "invalid_request", code: "not_found", detail: "Not found.", attr: null } };
  }
}

/** Scope each endpoint needs from a personal API key (posthog-api.md §1). */
export const SCOPES: Record<string, string> = {
  project: "project:read",
  members: "organization_member:read",
  actions: "action:read",
  insights: "insight:read",
  dashboards: "dashboard:read",
  feature_flags: "feature_flag:read",
  property_definitions: "property_definition:read",
  query: "query:read",
};
