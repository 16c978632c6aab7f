export * from './job-catalog.js';
export * from './resources/api-group.js';
export * from './resources/conditions.js';
export * from './resources/object-meta.js';
export * from './resources/scaling-law.js';
export * from './resources/compute-budget.js';
export * from './resources/run-record.js';
export * from './run-cancellation.js';
