// Alerts: invoices at risk (see ../deadlines), the daily e-mail digest per service, and the
// outgoing webhooks for every invoice event.
export * from './digest.ts';
export * from './webhooks.ts';
