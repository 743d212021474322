// Stopping a long-running command (serve, demo) on SIGINT/SIGTERM: close what it runs, then make
// sure the process really ends. A job in flight, an open event stream or a forgotten timer must not
// keep a stopped server's process alive (QA found `npm start` leaving the demo running).

/** How long the orderly stop may take before the process ends anyway. */
export const SHUTDOWN_GRACE_MS = 8_000;

type ShutdownOptions = {
  log: (line: string) => void;
  graceMs?: number;
};

/**
 * Installs the handlers; `stop` is called once, on the first signal. A second signal ends the
 * process at once. Returns a function that removes the handlers (the command ended by itself).
 */
export function stopOnSignals(stop: () => Promise<void>, options: ShutdownOptions): () => void {
  const graceMs = options.graceMs ?? SHUTDOWN_GRACE_MS;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.log(`${signal} reçu de nouveau : arrêt immédiat.`);
      process.exit(130);
    }
    stopping = true;
    options.log('Arrêt en cours…');
    const forced = setTimeout(() => {
      options.log(`Arrêt forcé : l'arrêt ordonné dépasse ${graceMs / 1000} s.`);
      process.exit(0);
    }, graceMs);
    forced.unref();
    void stop()
      .catch((error: unknown) => options.log(`Erreur à l'arrêt : ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        clearTimeout(forced);
        // Everything was closed: the process ends by itself, or within a second if a handle was
        // left open by a library.
        setTimeout(() => process.exit(0), 1_000).unref();
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
