/** What the customer page and catch-up actions answer a form with. */
export type ActionReply =
  | { ok: true; intent: string; message?: string; status?: string }
  | { ok: false; errors: Record<string, string>; values: Record<string, string> };

export const domId = (checkId: string) => checkId.replace(/\./g, "-");

/** The field errors of a reply, if it failed. */
export const errorsOf = (reply: ActionReply | undefined) => (reply && !reply.ok ? reply.errors : null);
export const valuesOf = (reply: ActionReply | undefined) => (reply && !reply.ok ? reply.values : null);
