// Matching, pure domain code: see match.ts (ranking and reasons), anomalies.ts, engagement-number.ts.
export * from './types.ts';
export { matchInvoice, AUTO_MARGIN, SUGGESTION_THRESHOLD } from './match.ts';
export { detectAnomalies, normalizeIban } from './anomalies.ts';
export {
  EngagementNumberIndex,
  looseEngagementKey,
  normalizeEngagementNumber,
  splitReferences,
  typingDistance,
  type NumberHit,
  type NumberMatchKind,
} from './engagement-number.ts';
export { comparableAmounts, euros } from './format.ts';
