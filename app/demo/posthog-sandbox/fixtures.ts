import { hex, uuid } from "./synthetic";

// Raw PostHog objects in the shapes of PostHog's own serializers (posthog-api.md §3–§10),
// including fields delight ignores, so the client's parsing meets realistic payloads.

export type Json = Record<string, unknown>;
export type Person = { id: number; email: string; first: string; last: string };

/** The $host filter PostHog pre-fills at signup. */
export const DEFAULT_HOST_FILTER = { key: "$host", operator: "not_regex", value: "^(localhost|127\\.0\\.0\\.1)($|:)", type: "event" };

export const userBasic = (p: Person, seed: string): Json => ({
  id: p.id,
  uuid: uuid(seed, "user", p.id),
  distinct_id: hex(seed, 20, "distinct", p.id),
  first_name: p.first,
  last_name: p.last,
  email: p.email,
  is_email_verified: true,
  hedgehog_config: null,
  role_at_organization: "engineering",
});

export function rawProject(o: {
  seed: string;
  id: number;
  organizationId: string;
  name: string;
  createdAt: string;
  timezone: string;
  appUrls: string[];
  testAccountFilters: Json[];
  primaryDashboard: number | null;
}): Json {
  return {
    id: o.id,
    uuid: uuid(o.seed, "project"),
    organization: o.organizationId,
    project_id: o.id,
    name: o.name,
    product_description: null,
    created_at: o.createdAt,
    updated_at: o.createdAt,
    api_token: `phc_${hex(o.seed, 40, "phc")}`,
    secret_api_token: `phs_${hex(o.seed, 40, "phs")}`,
    app_urls: o.appUrls,
    recording_domains: [],
    ingested_event: true,
    completed_snippet_onboarding: true,
    has_completed_onboarding_for: { product_analytics: true },
    test_account_filters: o.testAccountFilters,
    test_account_filters_default_checked: true,
    primary_dashboard: o.primaryDashboard,
    timezone: o.timezone,
    is_demo: false,
    session_recording_opt_in: false,
    heatmaps_opt_in: null,
    surveys_opt_in: null,
    autocapture_opt_out: false,
    effective_membership_level: 8,
    week_start_day: null,
    is_pending_deletion: false,
  };
}

export function rawMember(seed: string, p: Person, o: { level: number; joinedAt: string; lastLogin: string | null }): Json {
  return {
    id: uuid(seed, "membership", p.id),
    user: userBasic(p, seed),
    level: o.level,
    joined_at: o.joinedAt,
    updated_at: o.joinedAt,
    is_2fa_enabled: false,
    has_social_auth: false,
    last_login: o.lastLogin,
  };
}

export function rawAction(o: { id: number; name: string; createdAt: string; creator: Json | null; teamId: number }): Json {
  return {
    id: o.id,
    name: o.name,
    description: "",
    tags: [],
    post_to_slack: false,
    slack_message_format: "",
    steps: [
      {
        event: "$autocapture",
        properties: [],
        selector: "button.signup",
        selector_regex: null,
        tag_name: null,
        text: o.name,
        text_matching: "exact",
        href: null,
        href_matching: null,
        url: "/signup",
        url_matching: "contains",
      },
    ],
    created_at: o.createdAt,
    created_by: o.creator,
    deleted: false,
    is_calculating: false,
    last_calculated_at: o.createdAt,
    team_id: o.teamId,
    is_action: true,
    bytecode_error: null,
    pinned_at: null,
    creation_context: null,
    user_access_level: "editor",
  };
}

export type InsightStyle = "funnel" | "legacy-funnel" | "trends";

export function rawInsight(
  seed: string,
  o: {
    id: number;
    name: string;
    style: InsightStyle;
    creator: Json | null;
    saved: boolean;
    createdAt: string;
    dashboards: number[];
    lastViewedAt?: string | null;
  },
): Json {
  // Legacy funnels that PostHog could not convert keep `filters.insight` and a null `query`.
  const query =
    o.style === "legacy-funnel"
      ? null
      : {
          kind: "InsightVizNode",
          source:
            o.style === "funnel"
              ? {
                  kind: "FunnelsQuery",
                  series: [
                    { kind: "EventsNode", event: "$pageview" },
                    { kind: "EventsNode", event: "signed_up" },
                  ],
                  filterTestAccounts: true,
                }
              : { kind: "TrendsQuery", series: [{ kind: "EventsNode", event: "$pageview", math: "dau" }] },
        };
  return {
    id: o.id,
    short_id: hex(seed, 8, "short", o.id),
    name: o.name,
    derived_name: null,
    filters: o.style === "legacy-funnel" ? { insight: "FUNNELS", events: [{ id: "$pageview", type: "events", order: 0 }] } : {},
    query,
    dashboards: o.dashboards,
    dashboard_tiles: o.dashboards.map((d, i) => ({ id: o.id * 10 + i, dashboard_id: d, deleted: null })),
    description: "",
    last_refresh: null,
    refreshing: false,
    saved: o.saved,
    tags: [],
    updated_at: o.createdAt,
    created_by: o.creator,
    created_at: o.createdAt,
    last_modified_at: o.createdAt,
    favorited: false,
    user_access_level: "editor",
    last_viewed_at: o.lastViewedAt ?? null,
  };
}

export function rawDashboard(o: {
  id: number;
  name: string;
  creator: Json | null;
  createdAt: string;
  pinned: boolean;
  creationMode?: string;
  teamId: number;
  /** Anyone opening the dashboard moves it; default: only when it was created. */
  lastAccessedAt?: string | null;
}): Json {
  return {
    id: o.id,
    name: o.name,
    description: "",
    pinned: o.pinned,
    created_at: o.createdAt,
    created_by: o.creator,
    last_accessed_at: o.lastAccessedAt === undefined ? o.createdAt : o.lastAccessedAt,
    last_viewed_at: null,
    is_shared: false,
    deleted: false,
    creation_mode: o.creationMode ?? "default",
    tags: [],
    restriction_level: 21,
    effective_restriction_level: 21,
    effective_privilege_level: 37,
    user_access_level: "editor",
    access_control_version: "v2",
    last_refresh: null,
    team_id: o.teamId,
  };
}

export function rawFlag(o: {
  id: number;
  key: string;
  active: boolean;
  archived?: boolean;
  creator: Json | null;
  createdAt: string;
}): Json {
  return {
    id: o.id,
    name: o.key.replace(/-/g, " "),
    key: o.key,
    filters: { groups: [{ properties: [], rollout_percentage: 50, variant: null }], multivariate: null, payloads: {} },
    deleted: false,
    active: o.active,
    archived: o.archived ?? false,
    created_by: o.creator,
    created_at: o.createdAt,
    updated_at: o.createdAt,
    version: 1,
    ensure_experience_continuity: false,
    experiment_set: [],
    surveys: [],
    features: [],
    tags: [],
    is_remote_configuration: false,
    has_encrypted_payloads: false,
    evaluation_runtime: "all",
    bucketing_identifier: null,
    last_called_at: null,
    status: o.active ? "ACTIVE" : "INACTIVE",
  };
}

export const rawPropertyDefinition = (seed: string, name: string, type = "String"): Json => ({
  id: uuid(seed, "prop", name),
  name,
  is_numerical: type === "Numeric",
  property_type: type,
  tags: [],
  is_seen_on_filtered_events: null,
});

/** Built-in virtual person properties PostHog appends to the last page of `type=person`. */
export const VIRTUAL_PERSON_PROPERTIES: Json[] = ["initial_channel_type", "initial_referring_domain_type"].map((name) => ({
  id: `$builtin_${name}`,
  name: `$virt_${name}`,
  is_numerical: false,
  property_type: "String",
  tags: [],
  is_seen_on_filtered_events: null,
  virtual: true,
}));
