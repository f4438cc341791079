/** Turns the form's region picker into the single posthogHost value the domain validates. */
export function customerFormInput(form: FormData) {
  const fields = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === "string")) as Record<string, string>;
  const region = fields.posthogRegion ?? "us";
  return { ...fields, posthogHost: region === "custom" ? (fields.customHost ?? "") : region };
}
