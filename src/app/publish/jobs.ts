// The background job of the publishing worker (registered in src/app/jobs/registry.ts): every
// minute, post what is due. Several processes may run it at once — rows are claimed with leases.
import type { JobHandler } from '../jobs/index.ts';
import type { AppContext } from '../context.ts';
import { publishDue } from './worker.ts';

export function publishHandler(context: AppContext, log: (line: string) => void): JobHandler<unknown> {
  return async () => {
    const summary = await publishDue(context, {
      onEvent: (event) => {
        if (event.outcome === 'failed') log(`publish: ${event.status} (facture ${event.invoiceId}) en échec : ${event.message ?? ''}`);
      },
    });
    if (summary.posted + summary.alreadyReached + summary.failed + summary.retried > 0) {
      log(
        `publish: ${summary.posted} publié(s), ${summary.alreadyReached} déjà atteint(s), ${summary.retried} à réessayer, ${summary.failed} en échec`,
      );
    }
  };
}
