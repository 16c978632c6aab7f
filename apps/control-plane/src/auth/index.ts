export * from './auth.constants.js';
export * from './auth.module.js';
export * from './bearer-auth.guard.js';
export * from './bearer-auth.middleware.js';
export * from './dashboard-auth.service.js';
export * from './public.decorator.js';
export * from './unauthorized-page.filter.js';
