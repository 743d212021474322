// Guided decisions on a received invoice: the reason catalogue and its rules (see catalogue.ts).
export * from './catalogue.ts';
