// The OpenAPI 3.1 document, generated from the route table (the same zod schemas that validate
// requests), so it cannot drift from the code. Served at /api/docs (HTML) and /api/docs/openapi.json.
import { z } from 'zod';
import { PERMISSIONS } from '../domain/roles.ts';
import type { RouteSpec } from './routing.ts';

function schemaOf(schema: z.ZodType | undefined): Record<string, unknown> | undefined {
  if (!schema) return undefined;
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function parametersOf(route: RouteSpec): unknown[] {
  const parameters: unknown[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    const json = schemaOf(schema);
    const properties = (json?.properties ?? {}) as Record<string, unknown>;
    const required = new Set((json?.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries(properties)) {
      parameters.push({ name, in: where, required: where === 'path' || required.has(name), schema: property });
    }
  }
  return parameters;
}

function accessText(route: RouteSpec): string {
  switch (route.access.kind) {
    case 'public':
      return 'Public.';
    case 'session':
      return 'Utilisateur connecté.';
    case 'tenant':
      return `Utilisateur ayant accès à la collectivité, permission \`${route.access.permission}\` (rôles : ${PERMISSIONS[route.access.permission].join(', ')}).`;
  }
}

export function buildOpenApi(routes: readonly RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const operation: Record<string, unknown> = {
      summary: route.summary,
      description: accessText(route),
      tags: route.tags,
      operationId: `${route.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: parametersOf(route),
      responses: {
        '200': {
          description: 'Succès',
          content: route.produces && route.produces !== 'json' ? { [route.produces]: {} } : { 'application/json': {} },
        },
        ...(route.access.kind === 'public' ? {} : { '401': { description: 'Connexion requise' }, '403': { description: 'Rôle ou collectivité non autorisés, ou jeton CSRF invalide' } }),
        '400': { description: 'Requête invalide' },
      },
    };
    if (route.access.kind !== 'public') operation.security = [{ session: [] }];
    if (route.multipart) {
      operation.requestBody = { content: { 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } } } } };
    } else if (route.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(route.body) } } };
    }
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'API Liasse',
      version: '0.1.0',
      description:
        'API REST de Liasse (connecteur Chorus Pro pour les collectivités). Authentification par cookie de session ' +
        '(`POST /api/auth/login`) ; toute requête d’écriture porte l’en-tête `X-CSRF-Token` reçu à la connexion ' +
        '(ou via `GET /api/session`).',
    },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'liasse_session' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
      },
    },
    paths,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A readable, dependency-free rendering of the document. */
export function renderOpenApiHtml(document: Record<string, unknown>): string {
  const paths = document.paths as Record<string, Record<string, { summary: string; description: string; tags: string[] }>>;
  const rows = Object.entries(paths)
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(
        ([method, operation]) =>
          `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(operation.summary)}</td><td>${escapeHtml(operation.description)}</td></tr>`,
      ),
    )
    .join('\n');
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>API Liasse — documentation OpenAPI</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4rem;text-align:left;vertical-align:top}code{font-size:.9rem}</style>
</head><body><main>
<h1>API Liasse</h1>
<p>${escapeHtml(String((document.info as { description: string }).description))}</p>
<p>Document OpenAPI 3.1 : <a href="/api/docs/openapi.json">/api/docs/openapi.json</a></p>
<table><caption>Opérations</caption><thead><tr><th scope="col">Méthode</th><th scope="col">Chemin</th><th scope="col">Résumé</th><th scope="col">Accès</th></tr></thead>
<tbody>${rows}</tbody></table>
</main></body></html>`;
}
