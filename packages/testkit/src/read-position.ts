export interface WaitForPositionOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Until the read service at `serviceUrl` reports, on `/healthz`, a read model at `position` or
 * later; resolves with the position it reported.
 */
export async function waitForPosition(
  serviceUrl: string,
  position: number,
  { timeoutMs = 15_000, intervalMs = 25 }: WaitForPositionOptions = {},
): Promise<number> {
  const url = new URL('/healthz', serviceUrl);
  const deadline = Date.now() + timeoutMs;
  let reached: number | undefined;
  let lastError = '';
  for (;;) {
    try {
      const res = await fetch(url, {
        signal: AbortSignal.timeout(Math.max(deadline - Date.now(), intervalMs)),
      });
      if (res.ok) {
        const body = (await res.json()) as { position?: unknown };
        if (typeof body.position !== 'number') throw new Error('/healthz has no position');
        reached = body.position;
        lastError = '';
        if (reached >= position) return reached;
      } else {
        lastError = `/healthz answered ${res.status}`;
      }
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      const cause = lastError === '' ? '' : ` (last error: ${lastError})`;
      throw new Error(
        `${serviceUrl} did not reach position ${position} within ${timeoutMs} ms: ` +
          `its read model reached ${reached ?? 'no reported position'}${cause}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
