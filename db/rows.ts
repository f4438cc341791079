/** db.execute returns { rows } on PGlite and an array on postgres.js; this reads both. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
