/**
 * Faults the sandbox can inject. Counted faults apply to the next `count` matching requests
 * (omit `count` for "every request"); `path` limits a fault to paths containing that text.
 * Plain JSON, so the CLI can take them from the command line.
 */
export type Fault = { count?: number; path?: string };

export type FaultSpec = {
  /** Added before every answer. */
  latencyMs?: number;
  /** 429 throttled_error, "Expected available in `seconds` seconds." */
  throttle?: Fault & { seconds: number };
  /** 5xx server_error (default 500). */
  serverError?: Fault & { status?: number };
  /** 200 with a body that is not JSON. */
  malformedJson?: Fault;
  /** Accept the request and never answer (for client time-outs). */
  hang?: Fault;
  /** The key is revoked after this many answered requests: 401 authentication_failed from then on. */
  revokeAfter?: number;
  /** 500 on every page after the first (offset > 0). */
  breakPagination?: Fault;
  /** Absolute `next` links point at this origin instead of the sandbox (a key must not follow). */
  nextOrigin?: string;
};

/** Global faults, plus per-customer ones keyed by customer name or api key. */
export type SandboxFaults = FaultSpec & { perCustomer?: Record<string, FaultSpec> };

export type FaultDecision =
  | { kind: "none" }
  | { kind: "hang" }
  | { kind: "revoked" }
  | { kind: "throttle"; seconds: number }
  | { kind: "server"; status: number }
  | { kind: "malformed" };

const matches = (fault: Fault | undefined, path: string): fault is Fault =>
  !!fault && (fault.count === undefined || fault.count > 0) && (!fault.path || path.includes(fault.path));

/** Consumes one use of a counted fault. */
function take(fault: Fault): void {
  if (fault.count !== undefined) fault.count -= 1;
}

export class FaultState {
  private faults: SandboxFaults = {};
  private answered = new Map<string, number>();

  constructor(initial: SandboxFaults = {}) {
    this.set(initial);
  }

  /** Replaces all faults; counters (including revokeAfter's) start again. */
  set(faults: SandboxFaults): void {
    this.faults = structuredClone(faults);
    this.answered.clear();
  }

  private specsFor(customer: { name: string; apiKey: string }): FaultSpec[] {
    const per = this.faults.perCustomer ?? {};
    return [this.faults, per[customer.name], per[customer.apiKey]].filter((s): s is FaultSpec => !!s);
  }

  latency(customer: { name: string; apiKey: string } | null): number {
    const specs = customer ? this.specsFor(customer) : [this.faults];
    return specs.reduce((sum, s) => sum + (s.latencyMs ?? 0), 0);
  }

  nextOrigin(customer: { name: string; apiKey: string }): string | null {
    return this.specsFor(customer).find((s) => s.nextOrigin)?.nextOrigin ?? null;
  }

  /** Decides the fault (if any) for one authenticated request, consuming counted faults. */
  decide(customer: { name: string; apiKey: string }, path: string, offset: number): FaultDecision {
    const specs = this.specsFor(customer);
    const seen = (this.answered.get(customer.name) ?? 0) + 1;
    this.answered.set(customer.name, seen);
    for (const s of specs) {
      if (s.revokeAfter !== undefined && seen > s.revokeAfter) return { kind: "revoked" };
    }
    for (const s of specs) {
      if (matches(s.hang, path)) {
        take(s.hang);
        return { kind: "hang" };
      }
      if (matches(s.throttle, path)) {
        take(s.throttle);
        return { kind: "throttle", seconds: s.throttle.seconds };
      }
      if (matches(s.serverError, path)) {
        take(s.serverError);
        return { kind: "server", status: s.serverError.status ?? 500 };
      }
      if (matches(s.malformedJson, path)) {
        take(s.malformedJson);
        return { kind: "malformed" };
      }
      if (offset > 0 && matches(s.breakPagination, path)) {
        take(s.breakPagination);
        return { kind: "server", status: 500 };
      }
    }
    return { kind: "none" };
  }
}
