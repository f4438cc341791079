import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FaultState, type SandboxFaults } from "./faults";
import { answerQuery } from "./hogql";
import type { SandboxCustomer, SandboxProject } from "./project-builder";
import { listFor, SCOPES } from "./routes";
import { buildScenarios, generateBulkCustomers } from "./scenarios";
import { createThrottle, type ThrottleLimit } from "./throttle";

export type { FaultSpec, SandboxFaults } from "./faults";
export type { SandboxCustomer, SandboxProject } from "./project-builder";
export type { ThrottleLimit } from "./throttle";

/** One request as the sandbox saw it. Keys are logged only as a hash prefix. */
export type RequestLogEntry = {
  at: string;
  method: string;
  path: string;
  query: string;
  customer: string | null;
  keyHash: string | null;
  /** 0 when the sandbox never answered (hang fault or client gave up). */
  status: number;
  fault?: string;
  /** For POST /query/: the HogQL text and its placeholder values, so tests can see what was asked. */
  hogql?: { query: string; values: Record<string, unknown> };
};

export type SandboxOptions = {
  port?: number;
  latencyMs?: number;
  faults?: SandboxFaults;
  /** The moment the synthetic data is relative to; fixed for the server's life. */
  now?: Date;
  /** Adds `generateBulkCustomers(bulk)` to the named scenarios. */
  bulk?: number;
  /** Adds `customers` more bulk customers whose projects share `keys` API keys among them. */
  shared?: { customers: number; keys: number };
  /** Enforce PostHog's per-key throttles (429 beyond them). */
  throttle?: ThrottleLimit[];
};

export type Sandbox = {
  url: string;
  close(): Promise<void>;
  requests: RequestLogEntry[];
  setFaults(faults: SandboxFaults): void;
  customers: SandboxCustomer[];
};

const error = (type: string, code: string, detail: string) => ({ type, code, detail, attr: null });
const NOT_AUTHENTICATED = error("authentication_error", "not_authenticated", "Authentication credentials were not provided.");
const AUTH_FAILED = error(
  "authentication_error",
  "authentication_failed",
  "Personal API key found in request Authorization header is invalid.",
);
const NOT_FOUND = error("invalid_request", "not_found", "Not found.");

export const keyHash = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 12);
const delay = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/** The request body as text, or null past 1 MB. */
async function readText(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** HogQL answers kept at most (a bulk benchmark asks one or two questions per project). */
const MAX_ANSWERS = 10_000;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const now = options.now ?? new Date();
  const shared = options.shared ? sharedKeyCustomers(options.shared, (options.bulk ?? 0) + 1, now) : [];
  const projects: SandboxProject[] = [...buildScenarios(now), ...(options.bulk ? generateBulkCustomers(options.bulk, now) : []), ...shared];
  // A key may reach several projects (customers that share one key); requests name the project.
  const byKey = new Map<string, SandboxProject[]>();
  for (const p of projects) byKey.set(p.customer.apiKey, [...(byKey.get(p.customer.apiKey) ?? []), p]);
  const throttle = options.throttle ? createThrottle(options.throttle) : null;
  const byProjectId = new Map(projects.map((p) => [p.customer.projectId, p]));
  const faults = new FaultState(options.faults);
  const requests: RequestLogEntry[] = [];
  const answers = new Map<string, { status: number; json: string }>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sandbox.invalid");
    const method = req.method ?? "GET";
    // Sandbox-only: its request log (no keys in it) for tests and benchmarks in other processes.
    if (url.pathname === "/__sandbox/requests") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(requests));
      return;
    }
    const entry: RequestLogEntry = {
      at: new Date().toISOString(),
      method,
      path: url.pathname,
      query: url.search,
      customer: null,
      keyHash: null,
      status: 0,
    };
    requests.push(entry);
    const send = (status: number, body: unknown, raw = false) => {
      entry.status = status;
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(raw ? String(body) : JSON.stringify(body));
    };

    const key = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? null;
    const reachable = key ? (byKey.get(key) ?? []) : [];
    const namedProject = Number(/^\/api\/projects\/(\d+)\//.exec(url.pathname)?.[1] ?? Number.NaN);
    const namedOrg = /^\/api\/organizations\/([^/]+)\//.exec(url.pathname)?.[1];
    const project =
      reachable.find((p) => p.customer.projectId === namedProject) ??
      reachable.find((p) => namedOrg !== undefined && p.organizationId === decodeURIComponent(namedOrg)) ??
      reachable[0];
    entry.keyHash = key ? keyHash(key) : null;
    entry.customer = project?.customer.name ?? null;
    await delay((options.latencyMs ?? 0) + faults.latency(project?.customer ?? null));
    if (!key) return send(401, NOT_AUTHENTICATED);
    if (!project || project.revoked) return send(401, AUTH_FAILED);
    const throttled = throttle?.check(entry.keyHash!, url.pathname);
    if (throttled) {
      return send(429, error("throttled_error", "throttled", `Request was throttled. Expected available in ${throttled} seconds.`));
    }

    const decision = faults.decide(project.customer, url.pathname, Number(url.searchParams.get("offset") ?? 0));
    if (decision.kind !== "none") entry.fault = decision.kind;
    if (decision.kind === "hang") return; // the socket stays open until the client gives up or close()
    if (decision.kind === "revoked") return send(401, AUTH_FAILED);
    if (decision.kind === "throttle") {
      return send(429, error("throttled_error", "throttled", `Request was throttled. Expected available in ${decision.seconds} seconds.`));
    }
    if (decision.kind === "server") return send(decision.status, error("server_error", "error", "A server error occurred."));
    if (decision.kind === "malformed") return send(200, '{"count": 3, "next": null, "results": [{"id": 1,', true);

    const projectRoute = /^\/api\/projects\/(\d+)\/(?:(actions|insights|dashboards|feature_flags|property_definitions|query)\/)?$/.exec(
      url.pathname,
    );
    const membersRoute = /^\/api\/organizations\/([^/]+)\/members\/$/.exec(url.pathname);
    const resource = projectRoute ? (projectRoute[2] ?? "project") : membersRoute ? "members" : null;
    if (!resource) return send(404, NOT_FOUND);
    if (method !== (resource === "query" ? "POST" : "GET")) {
      return send(405, error("invalid_request", "method_not_allowed", `Method "${method}" not allowed.`));
    }
    if (projectRoute && Number(projectRoute[1]) !== project.customer.projectId) {
      return byProjectId.has(Number(projectRoute[1]))
        ? send(403, error("authentication_error", "permission_denied", "You don't have access to the project."))
        : send(404, error("invalid_request", "not_found", "Project not found."));
    }
    if (membersRoute && decodeURIComponent(membersRoute[1]) !== project.organizationId) {
      return send(403, error("authentication_error", "permission_denied", "You don't have access to the organization."));
    }
    const scope = SCOPES[resource];
    if (project.missingScopes.includes(scope)) {
      return send(403, error("authentication_error", "permission_denied", `API key missing required scope '${scope}'`));
    }

    if (resource === "project") return send(200, project.project);
    if (resource === "query") {
      const text = await readText(req);
      const body = parseJson(text);
      const q = (body as { query?: { query?: unknown; values?: unknown } } | null)?.query;
      if (typeof q?.query === "string")
        entry.hogql = { query: q.query, values: q.values && typeof q.values === "object" ? (q.values as Record<string, unknown>) : {} };
      // The data and `now` are fixed for the server's life, so the same question always gets the
      // same answer: computing it once keeps the sandbox's CPU from weighing on benchmarks.
      const key = `${project.customer.projectId}\n${text}`;
      let answer = answers.get(key);
      if (!answer) {
        const computed = answerQuery(project, body, now);
        answer = { status: computed.status, json: JSON.stringify(computed.body) };
        if (answers.size >= MAX_ANSWERS) answers.clear();
        answers.set(key, answer);
      }
      return send(answer.status, answer.json, true);
    }
    const origin = faults.nextOrigin(project.customer) ?? `http://${req.headers.host ?? "127.0.0.1"}`;
    const answer = listFor(project, resource, url, origin);
    return send(answer.status, answer.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify(error("server_error", "error", "A server error occurred.")));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    customers: projects.map((p) => p.customer),
    setFaults: (next) => faults.set(next),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Hung requests would otherwise keep close() waiting forever.
        server.closeAllConnections();
      }),
  };
}

/** Bulk customers whose projects share `keys` API keys (one key per agency or reseller). */
function sharedKeyCustomers(spec: { customers: number; keys: number }, first: number, now: Date): SandboxProject[] {
  return generateBulkCustomers(first - 1 + spec.customers, now)
    .slice(first - 1)
    .map((p, i) => {
      const name = `shared-${String(i + 1).padStart(4, "0")}`;
      const apiKey = `phx_sandbox_shared_key_${String(i % spec.keys).padStart(3, "0")}_${"k".repeat(16)}`;
      return { ...p, customer: { ...p.customer, name, slug: name, title: `Shared Customer ${i + 1}`, apiKey } };
    });
}
