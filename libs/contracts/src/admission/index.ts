export * from './admission-limits.js';
export * from './bounded-numbers.js';
export * from './corpus-reference.js';
export * from './forbidden-keys.js';
export * from './object-names.js';
export * from './yaml-input.js';
