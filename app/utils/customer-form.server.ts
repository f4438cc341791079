/** Turns the form's region picker into the single posthogHost value the domain validates. */
export function customerFormInput(form: FormData) {
  const fields = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === "string")) as Record<string, string>;
  const region = fields.posthogRegion ?? "us";
  // Only the three choices the form offers; anything else is treated as no choice at all.
  const posthogHost = region === "custom" ? (fields.customHost ?? "") : region === "us" || region === "eu" ? region : "";
  return { ...fields, posthogHost };
}
