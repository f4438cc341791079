/**
 * Starts the PostHog sandbox for `npm run demo` and manual poking:
 *   tsx checks/posthog/sandbox/main.ts [--port N] [--bulk N] [--latency MS] [--faults JSON]
 * The port also comes from SANDBOX_PORT (default 0 = any free port). Prints one JSON line with
 * the URL and the customers (their keys are sandbox-only), then serves until interrupted.
 */
import { parseArgs } from "node:util";
import { type SandboxFaults, startSandbox } from "./server";

function toInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name} must be a whole number, got "${value}"`);
    process.exit(2);
  }
  return n;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: "string" },
    bulk: { type: "string" },
    latency: { type: "string" },
    faults: { type: "string" },
    /** CUSTOMERS:KEYS — more bulk customers sharing that many keys. */
    shared: { type: "string" },
    /** JSON [{"name","class","limit","windowMs"}]: enforce PostHog's per-key throttles. */
    throttle: { type: "string" },
  },
});

let faults: SandboxFaults | undefined;
try {
  faults = values.faults ? JSON.parse(values.faults) : undefined;
} catch {
  console.error("--faults must be JSON, e.g. '{\"latencyMs\": 200}'");
  process.exit(2);
}

const [sharedCustomers, sharedKeys] = (values.shared ?? "").split(":").map((v) => toInt(v, "--shared"));
const sandbox = await startSandbox({
  shared: sharedCustomers && sharedKeys ? { customers: sharedCustomers, keys: sharedKeys } : undefined,
  throttle: values.throttle ? JSON.parse(values.throttle) : undefined,
  port: toInt(values.port ?? positionals[0] ?? process.env.SANDBOX_PORT, "port") ?? 0,
  bulk: toInt(values.bulk, "--bulk"),
  latencyMs: toInt(values.latency, "--latency"),
  faults,
});

console.log(
  JSON.stringify({
    url: sandbox.url,
    customers: sandbox.customers.map((c) => ({ ...c, host: sandbox.url })),
  }),
);

const stop = () => {
  sandbox.close().finally(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
