/**
 * Revenue, renewal and contacts: pure helpers shared by the form, the CLI, the CSV import and the
 * pages. Browser-safe (no server imports).
 */

export type Contact = { name: string; email: string | null; role: string | null };
export type RevenuePeriod = "month" | "year";

const KNOWN_CURRENCIES = new Set(typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("currency") : []);

/** ISO 4217 codes the runtime knows (EUR, USD, JPY…); case does not matter. */
export function isCurrency(code: string): boolean {
  const upper = code.trim().toUpperCase();
  return /^[A-Z]{3}$/.test(upper) && (KNOWN_CURRENCIES.size === 0 || KNOWN_CURRENCIES.has(upper));
}

export const MAX_AMOUNT = 999_999_999_999.99;

/**
 * "120000", "120,000.50", "120 000", "1_000": what people type for an amount. Returns null for a
 * blank, NaN for anything that is not a non-negative amount with at most two decimals.
 */
export function parseAmount(text: string): number | null {
  const cleaned = text.trim().replace(/[,_\s]/g, "");
  if (cleaned === "") return null;
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return Number.NaN;
  return Number(cleaned);
}

/** Annual recurring revenue of an amount entered per month or per year. */
export const arrOf = (amount: number, period: RevenuePeriod) => (period === "month" ? Math.round(amount * 12 * 100) / 100 : amount);

/** "€120,000": whole units, since nobody reads ARR in cents. */
export function formatMoney(amount: number, currency: string): string {
  const format = moneyFormat(currency);
  return format ? format.format(amount) : `${Math.round(amount).toLocaleString("en-US")} ${currency}`;
}

// Building an Intl.NumberFormat costs ~40 µs, formatting with one ~1 µs, and a portfolio page
// formats 25 amounts or more: one formatter per currency, kept (a team has a handful of currencies).
const moneyFormats = new Map<string, Intl.NumberFormat | null>();
function moneyFormat(currency: string): Intl.NumberFormat | null {
  let format = moneyFormats.get(currency);
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat("en-US", { style: "currency", currency, maximumFractionDigits: 0 });
    } catch {
      format = null;
    }
    if (moneyFormats.size >= 200) moneyFormats.clear();
    moneyFormats.set(currency, format);
  }
  return format;
}

const DAY_MS = 86_400_000;

/** Whole days from `today` (YYYY-MM-DD) to `date` (YYYY-MM-DD); negative when past. */
export function daysUntil(date: string, today: string): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS);
}

/** A real calendar day written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/**
 * The compact contact list of the CLI and the CSV import: contacts separated by `;`, each
 * `Name <e-mail> (role)` with the e-mail and the role optional, e.g.
 * `Ada Lovelace <ada@example.com> (CTO); Grace Hopper (champion)`.
 * Returns the raw parts; validation (e-mail format, lengths) is the schema's job.
 */
export function parseContactList(text: string): { name: string; email: string; role: string }[] {
  return text
    .split(";")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^(.*?)\s*(?:<([^>]*)>)?\s*(?:\(([^)]*)\))?$/.exec(part);
      const [, name = part, email = "", role = ""] = match ?? [];
      return { name: name.trim(), email: email.trim(), role: role.trim() };
    });
}

export function formatContactList(contacts: Contact[]): string {
  return contacts.map((c) => `${c.name}${c.email ? ` <${c.email}>` : ""}${c.role ? ` (${c.role})` : ""}`).join("; ");
}
