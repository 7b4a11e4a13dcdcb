/**
 * Polls until `probe` returns a defined value without throwing (projections are asynchronous).
 * Not a timed assertion: the deadline only stops a test that would otherwise hang.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError ?? new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
