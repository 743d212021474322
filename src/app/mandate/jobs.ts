// The acknowledgement follow-up (registered in src/app/jobs/registry.ts): every few minutes, ask the
// teletransmission channel of each sent bordereau where it stands and import its acquittement once
// there is one (pollBordereau). Each bordereau is polled through the channel it was sent by. One
// failing bordereau (channel down, unreadable acquittement) is logged and does not stop the others;
// importing the same acquittement twice changes nothing, so two instances running it at once are safe.
import { SYSTEM_ACTOR } from '../../domain/roles.ts';
import { channelFromConfig } from '../../teletransmission/index.ts';
import type { Teletransmission } from '../../teletransmission/types.ts';
import type { AppContext } from '../context.ts';
import type { JobHandler } from '../jobs/index.ts';
import { pollBordereau } from './acquits.ts';

export type AcquitPollSummary = { polled: number; acknowledged: number; rejected: number; failed: number };

/** Polls every bordereau sent and not yet acknowledged, all collectivités together. */
export async function pollSentBordereaux(
  context: AppContext,
  options: { channelFor?: (kind: string | null) => Teletransmission; log?: (line: string) => void } = {},
): Promise<AcquitPollSummary> {
  const channelFor = options.channelFor ?? ((kind: string | null) => channelFromConfig(context.config, process.env, kind ?? undefined));
  const rows = await context.store.db
    .selectFrom('bordereaux')
    .select(['id', 'tenant_id', 'numero', 'channel'])
    .where('status', '=', 'sent')
    .where('transmission_id', 'is not', null)
    .orderBy('sent_at')
    .execute();
  const summary: AcquitPollSummary = { polled: 0, acknowledged: 0, rejected: 0, failed: 0 };
  const channels = new Map<string, Teletransmission>();
  for (const row of rows) {
    try {
      const key = row.channel ?? '';
      const channel = channels.get(key) ?? channelFor(row.channel);
      channels.set(key, channel);
      const result = await pollBordereau(context, row.tenant_id, SYSTEM_ACTOR, { bordereauId: row.id, channel });
      summary.polled += 1;
      if (result.acquit) {
        if (result.acquit.result === 'rejected') summary.rejected += 1;
        else summary.acknowledged += 1;
      }
    } catch (error) {
      summary.failed += 1;
      options.log?.(`acquittements : bordereau n° ${row.numero} (${row.id}) non interrogé : ${(error as Error).message}`);
    }
  }
  return summary;
}

export function acquitsHandler(context: AppContext, log: (line: string) => void): JobHandler<unknown> {
  return async () => {
    const summary = await pollSentBordereaux(context, { log });
    if (summary.acknowledged + summary.rejected + summary.failed > 0) {
      log(`acquittements : ${summary.polled} bordereau(x) interrogé(s), ${summary.acknowledged} accepté(s), ${summary.rejected} rejeté(s), ${summary.failed} en échec`);
    }
  };
}
