// Starting and stopping a server process: build the web application if needed, listen, run the
// scheduled workers, and stop cleanly on SIGINT/SIGTERM (requests finish, workers stop, store closes).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { buildServer, type ServerOptions } from './server.ts';
import { startWorkers, type Workers } from './workers.ts';
import { ensureWebBuilt } from './web-build.ts';

export type RunningServer = {
  app: FastifyInstance;
  url: string;
  port: number;
  /** The scheduled workers (null with workers: false). */
  workers: Workers | null;
  /** Resolves once the server stopped (signal or stop()). */
  closed: Promise<void>;
  stop(): Promise<void>;
};

export async function startHttp(
  context: AppContext,
  options: Partial<Omit<ServerOptions, 'context'>> & {
    workers?: boolean;
    port?: number;
    host?: string;
    log?: (line: string) => void;
    /** Stop on SIGINT/SIGTERM (default true; tests pass false). */
    handleSignals?: boolean;
    /** Also close the context when the server stops (default true). */
    closeContext?: boolean;
    /** How often idle workers look for jobs (tests shorten it). */
    workerPollMs?: number;
  } = {},
): Promise<RunningServer> {
  const log = options.log ?? (() => undefined);
  const webDist = options.webDist === undefined ? await ensureWebBuilt(log) : options.webDist;
  const app = await buildServer({ context, ...options, webDist, logger: options.logger ?? false });
  const host = options.host ?? context.config.host;
  await app.listen({ port: options.port ?? context.config.port, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? context.config.port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  const workers: Workers | null = options.workers === false ? null : await startWorkers(context, log, { pollIntervalMs: options.workerPollMs });

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await workers?.stop().catch(() => undefined);
      await app.close().catch(() => undefined);
      if (options.closeContext !== false) await context.close().catch(() => undefined);
      resolveClosed();
    })();
    return stopping;
  };
  if (options.handleSignals !== false) {
    const onSignal = () => {
      log('Arrêt en cours…');
      void stop();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return { app, url, port, workers, closed, stop };
}
