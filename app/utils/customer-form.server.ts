const CONTACT_FIELD = /^contacts\.(\d{1,2})\.(name|email|role)$/;

/**
 * Turns the form's region picker into the single posthogHost value the domain validates, and the
 * numbered contact rows (`contacts.0.name`…) into a list, keeping each row's number so an error
 * lands under the row it belongs to.
 */
export function customerFormInput(form: FormData) {
  const fields: Record<string, string> = {};
  const contacts: { name: string; email: string; role: string }[] = [];
  for (const [key, value] of form.entries()) {
    if (typeof value !== "string") continue;
    const contact = CONTACT_FIELD.exec(key);
    if (contact) {
      const index = Number(contact[1]);
      for (let i = contacts.length; i <= index; i++) contacts.push({ name: "", email: "", role: "" });
      contacts[index]![contact[2] as "name" | "email" | "role"] = value;
    } else fields[key] = value;
  }
  const region = fields.posthogRegion ?? "us";
  // Only the three choices the form offers; anything else is treated as no choice at all.
  const posthogHost = region === "custom" ? (fields.customHost ?? "") : region === "us" || region === "eu" ? region : "";
  return { ...fields, posthogHost, contacts };
}
