export * from './traversal.js';
export * from './coverage.js';
