// The HTTP server: the JSON API under /api (every route declared through defineRoute, behind the
// access gate of routing.ts), its OpenAPI document at /api/docs, and the web application (web/dist)
// for every other path. Stateless: sessions, rate limits and jobs live in the database, so several
// instances can serve the same installation.
import fs from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { resolveSession } from '../app/users/sessions.ts';
import { installErrorHandler } from './errors.ts';
import { installAccessControl, registeredRoutes } from './routing.ts';
import { ROUTE_MODULES } from './routes/index.ts';
import { buildOpenApi, renderOpenApiHtml } from './openapi.ts';

export type ServerOptions = {
  context: AppContext;
  /** The built web application (web/dist); null serves the API only. */
  webDist?: string | null;
  logger?: boolean;
  /** Demo mode: the login screen shows the demo account. */
  demo?: boolean;
  /** Base URL of the Chorus simulator when it runs in-process (demo, tests): shown in the admin screen. */
  simulatorUrl?: string | null;
  /** Forces the Secure attribute of the session cookie (default: when the request came over https). */
  secureCookies?: boolean;
};

export type ServerInfo = { demo: boolean; simulatorUrl: string | null; secureCookies: boolean | undefined };

declare module 'fastify' {
  interface FastifyInstance {
    liasse: ServerInfo;
  }
}

const MAX_UPLOAD_BYTES = 130 * 1024 * 1024;

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { context } = options;
  const app = Fastify({
    logger: options.logger ? { level: context.config.logLevel } : false,
    trustProxy: process.env.LIASSE_TRUST_PROXY === '1',
    bodyLimit: 10 * 1024 * 1024,
  });
  app.decorate('liasse', { demo: options.demo ?? false, simulatorUrl: options.simulatorUrl ?? null, secureCookies: options.secureCookies });
  await app.register(fastifyCookie);
  await app.register(fastifyMultipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } });
  installErrorHandler(app);
  installAccessControl(app, context, (token) => resolveSession(context.store.db, token));

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; " +
        "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    );
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });

  for (const register of ROUTE_MODULES) register(app, context);

  const document = buildOpenApi(registeredRoutes(app));
  app.get('/api/docs', { config: { access: { kind: 'public' } } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(renderOpenApiHtml(document)),
  );
  app.get('/api/docs/openapi.json', { config: { access: { kind: 'public' } } }, async () => document);

  const webDist = options.webDist;
  if (webDist && fs.existsSync(path.join(webDist, 'index.html'))) {
    const indexHtml = fs.readFileSync(path.join(webDist, 'index.html'));
    await app.register(fastifyStatic, {
      root: webDist,
      wildcard: false,
      index: false,
      setHeaders(res, file) {
        // Vite fingerprints assets: they never change under the same name.
        if (file.includes(`${path.sep}assets${path.sep}`)) void res.header('cache-control', 'public, max-age=31536000, immutable');
      },
    });
    const sendIndex = async (_request: unknown, reply: import('fastify').FastifyReply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(indexHtml);
    app.get('/', sendIndex);
    app.setNotFoundHandler(async (request, reply) => {
      if (request.method === 'GET' && !request.url.startsWith('/api/') && !path.extname(request.url.split('?')[0]!)) {
        return sendIndex(request, reply);
      }
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'Ressource introuvable.' } });
    });
  } else {
    app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'Ressource introuvable.' } }));
  }
  return app;
}
