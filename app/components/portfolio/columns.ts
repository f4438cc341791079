/**
 * Which portfolio columns a reader sees. Customer, score and the 7-day change always show; the
 * others hide by default when the portfolio is narrow (portfolio.css decides, by the width the page
 * actually has) and the reader can show or hide each one ("Columns"). Choices are kept in the browser.
 */
export const COLUMN_KEYS = [
  "name",
  "owner",
  "score",
  "change7d",
  "change30d",
  "coverage",
  "plan",
  "refreshed",
  "failing",
  "arr",
  "renewal",
] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

/** Columns a reader may hide or show; the others always show. */
export const OPTIONAL_COLUMNS: { key: ColumnKey; label: string }[] = [
  { key: "owner", label: "Owner" },
  { key: "change30d", label: "30-day change" },
  { key: "coverage", label: "Coverage" },
  { key: "plan", label: "% of plan" },
  { key: "refreshed", label: "Last refresh" },
  { key: "failing", label: "Failing" },
  { key: "arr", label: "ARR" },
  { key: "renewal", label: "Renewal" },
];

export type ColumnChoices = Partial<Record<ColumnKey, boolean>>;

export const columnClass = (key: ColumnKey) => `col-${key}`;

/** Table classes for the reader's choices: show-x wins over the narrow-width defaults, hide-x hides at every width. */
export function columnChoiceClasses(choices: ColumnChoices): string {
  return Object.entries(choices)
    .map(([key, shown]) => `${shown ? "show" : "hide"}-${key}`)
    .join(" ");
}

export const COLUMNS_STORAGE_KEY = "delight.portfolio.columns";

export function parseChoices(raw: string | null): ColumnChoices {
  if (!raw) return {};
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    const keys = new Set<string>(OPTIONAL_COLUMNS.map((c) => c.key));
    return Object.fromEntries(Object.entries(value).filter(([k, v]) => keys.has(k) && typeof v === "boolean"));
  } catch {
    return {};
  }
}
