export * from './structural-schema.js';
export * from './custom-resource-definitions.js';
export * from './render-crds.js';
