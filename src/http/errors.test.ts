// Every business refusal a use case throws reaches the user as a 4xx with its French message —
// never a 500: by class (statusOf), and through a real route of the server (the error handler).
import assert from 'node:assert/strict';
import test from 'node:test';
import Fastify from 'fastify';
import { EliminationError } from '../app/archive/eliminations.ts';
import { ExportError } from '../app/archive/export.ts';
import { InvoiceNotFoundError, NotLateError } from '../app/deadlines/index.ts';
import { MandatError } from '../app/mandate/mandats.ts';
import { MatchError } from '../app/match/run.ts';
import { PublishError } from '../app/publish/outbox.ts';
import { SearchError } from '../app/search/search.ts';
import { ShareLinkError } from '../app/sharing/index.ts';
import { SyncBusyError } from '../app/sync/lease.ts';
import { TenantError } from '../app/tenants.ts';
import { TimelineError } from '../app/timeline/index.ts';
import { UserError } from '../app/users/users.ts';
import { ChorusError } from '../chorus/client.ts';
import { DecisionError } from '../domain/decisions/catalogue.ts';
import { MissingInterestRateError } from '../domain/interest.ts';
import { LifecycleError } from '../domain/lifecycle.ts';
import { MandatCheckError } from '../domain/mandat/draft.ts';
import { ForbiddenError } from '../domain/roles.ts';
import { InvoiceFormatError } from '../formats/errors.ts';
import { AcquitFormatError } from '../formats/pes/acquit.ts';
import { PackageIntegrityError } from '../formats/seda/package.ts';
import { TeletransmissionError } from '../teletransmission/types.ts';
import { BUSINESS_ERRORS, installErrorHandler, statusOf } from './errors.ts';

/** One instance of every business error class, as the use cases throw them. */
const SAMPLES: Error[] = [
  new ForbiddenError('mandat.create'),
  new UserError('USERNAME_TAKEN', 'Cet identifiant est déjà pris.'),
  new LifecycleError('Transition refusée : la facture est « Rejetée ».', 'transition'),
  new DecisionError('Le motif « XYZ » n’existe pas.'),
  new MandatCheckError([{ code: 'exercice_closed', message: "L'exercice 2024 du budget BP est clos." }]),
  new MandatError('Le bordereau n° 3 est « Transmis » : il ne se renvoie pas.'),
  new MatchError('la répartition dépasse le TTC de la facture'),
  new SearchError('Filtre de montant illisible.'),
  new PublishError('Cette publication n’est pas en échec : rien à abandonner.'),
  new InvoiceFormatError('facture.xml', 'BT-1', 'est absent'),
  new AcquitFormatError('Ce fichier n’est pas un PES_Acquit.'),
  new PackageIntegrityError('a.pdf', 'aa', 'bb'),
  new ShareLinkError('expired', 'Ce lien de partage a expiré.'),
  new TenantError('Nom de collectivité vide.'),
  new TimelineError('Facture inconnue : x.'),
  new InvoiceNotFoundError('x'),
  new NotLateError('x'),
  new MissingInterestRateError('2025-01-01'),
  new EliminationError('Élimination déjà approuvée.'),
  new ExportError('Rien à exporter.'),
  new SyncBusyError('Une synchronisation est déjà en cours.'),
  new ChorusError('functional', 'Chorus Pro refuse ce statut (code 20002).', { endpoint: '/cpro/factures/v1/traiter/recue' }),
];

test('each business error class maps to a 4xx with its French message', () => {
  const covered = new Set<unknown>();
  for (const error of SAMPLES) {
    const mapped = statusOf(error);
    assert.ok(mapped.status >= 400 && mapped.status < 500, `${error.name} → ${mapped.status}`);
    assert.equal(mapped.message, error.message, `${error.name} keeps its message`);
    assert.notEqual(mapped.code, 'INTERNAL');
    for (const entry of BUSINESS_ERRORS) if (error instanceof entry.type) covered.add(entry.type);
  }
  for (const entry of BUSINESS_ERRORS) assert.ok(covered.has(entry.type), `${entry.type.name} has a sample in this test`);
  assert.equal(statusOf(new LifecycleError('x', 'transition')).status, 409);
  assert.deepEqual(statusOf(SAMPLES[4]).details, [{ code: 'exercice_closed', message: "L'exercice 2024 du budget BP est clos." }]);
  assert.equal(statusOf(new MandatError('Mandat introuvable : m1.')).status, 404);
  assert.equal(statusOf(new ShareLinkError('unknown', 'Lien inconnu.')).status, 404);
  // A partner down is not Liasse's refusal, and not a bug either.
  assert.equal(statusOf(new TeletransmissionError('S²low ne répond pas.')).status, 502);
  assert.equal(statusOf(new ChorusError('unavailable', 'Chorus Pro indisponible.', { endpoint: '/x' })).status, 502);
  // Anything else stays a 500 that says nothing of the inside.
  const internal = statusOf(new TypeError("Cannot read properties of undefined (reading 'id')"));
  assert.equal(internal.status, 500);
  assert.doesNotMatch(internal.message, /undefined/);
});

test('a business refusal thrown by a route answers 4xx { error: { code, message } }, never 500', async () => {
  const app = Fastify({ logger: false });
  installErrorHandler(app);
  app.get('/boom/:index', async (request) => {
    throw SAMPLES[Number((request.params as { index: string }).index)];
  });
  await app.ready();
  for (const [index, error] of SAMPLES.entries()) {
    const response = await app.inject({ method: 'GET', url: `/boom/${index}` });
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${error.name} → ${response.statusCode}`);
    const body = response.json() as { error: { code: string; message: string } };
    assert.equal(body.error.message, error.message);
  }
  await app.close();
});
