// Every route module, in registration order. A module registers its routes with defineRoute.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { register as admin } from './admin.ts';
import { register as auth } from './auth.ts';
import { register as views } from './views.ts';

export const ROUTE_MODULES: ((app: FastifyInstance, context: AppContext) => void)[] = [auth, admin, views];
