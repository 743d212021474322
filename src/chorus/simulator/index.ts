// Public surface of the Chorus Pro simulator.
export { startChorusSimulator, SIMULATOR_DEFAULTS, type ChorusSimulator, type ChorusSimulatorOptions, type FaultSettings } from './server.ts';
export { seedReferential, generateDataset, referentialOf, type SeedReferential } from './seed.ts';
export { TRANSITIONS, TERMINAL_STATUSES, decideTransition, possibleTargets, findTransition, type Actor, type Transition } from './state-machine.ts';
export type { PlantedAnomaly, SimInvoice, SimDataset } from './model.ts';
export type { PostLogEntry } from './store.ts';
