// Archive: searchable view, retention rules, elimination proposals, SEDA export.
export * from './eliminations.ts';
export * from './export.ts';
export * from './retention.ts';
export * from './settings.ts';
export * from './view.ts';
