/** Name of the HttpOnly cookie the login form sets for browsers. */
export const SESSION_COOKIE = 'scaleplan_session';

/** How long a browser session lasts before the login form is shown again. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** Realm sent in `WWW-Authenticate` with every 401. */
export const AUTH_REALM = 'scaleplan';

/** DI token of the resolved {@link AuthOptions}. */
export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

/** Metadata key set by `@Public()`. */
export const IS_PUBLIC_KEY = 'scaleplan:auth:public';
