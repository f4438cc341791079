/**
 * Reads until `done` says the value is there (by default: until it is truthy) and returns it, or
 * fails naming what it waited for and the last value read.
 */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  options: { done?: (value: T) => boolean; timeoutMs?: number } = {},
): Promise<T> {
  const { done = (value: T) => Boolean(value), timeoutMs = 60_000 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
