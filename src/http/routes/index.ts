// Every route module, in registration order. A module registers its routes with defineRoute.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { register as admin } from './admin.ts';
import { register as auth } from './auth.ts';
import { register as dashboard } from './dashboard.ts';
import { register as invoices } from './invoices.ts';
import { register as mandates } from './mandates.ts';
import { register as matching } from './matching.ts';
import { register as sharing } from './sharing.ts';
import { register as views } from './views.ts';

export const ROUTE_MODULES: ((app: FastifyInstance, context: AppContext) => void)[] = [auth, admin, views, invoices, matching, mandates, dashboard, sharing];
