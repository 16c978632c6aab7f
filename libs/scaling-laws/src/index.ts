export * from './errors.js';
export * from './transformer-flops.js';
