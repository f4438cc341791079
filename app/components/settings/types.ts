import type { ChecklistSettings } from "~/models/settings.server";

export type { ChecklistSettings };

/** What a Settings form gets back: field errors and typed values for the form that failed. */
export type SettingsReply =
  | { ok: true; intent: string; message: string }
  | { ok: false; errors: Record<string, string>; values: Record<string, string> };

/** The errors and values of `reply` when it is the failure of the `intent` form. */
export function failureFor(reply: SettingsReply | undefined, intent: string) {
  return reply && !reply.ok && reply.values.intent === intent ? reply : null;
}
