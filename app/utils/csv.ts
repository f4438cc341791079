export type CsvCell = string | number | boolean | null | undefined;

/*
 * A cell that starts with one of these is read as a formula by Excel, LibreOffice and Google Sheets
 * (OWASP "CSV injection"); a leading apostrophe makes it text. Customer names are typed by users,
 * so every text cell is checked, not just the ones that look suspicious today.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  // RFC 4180: quote a field holding a quote, comma or line break, doubling inner quotes.
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Excel opens a CSV without a byte-order mark in the machine's legacy code page, so "Zürich GmbH"
 * arrives as "ZÃ¼rich GmbH". The UTF-8 BOM makes it read UTF-8; LibreOffice and Sheets ignore it.
 */
export const UTF8_BOM = "\uFEFF";

/** RFC 4180 text: CRLF line ends, a header row first. */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  return csvLines([header, ...rows]);
}

/** Rows as RFC 4180 lines, each ended by CRLF: a part of a file written a batch at a time. */
export function csvLines(rows: CsvCell[][]): string {
  return rows.map((row) => `${row.map(csvCell).join(",")}\r\n`).join("");
}
