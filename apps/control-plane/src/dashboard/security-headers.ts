import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Content-Security-Policy of every page the control plane serves. Scripts come only from this
 * origin and never through eval: charts run Vega's expression interpreter (`ast: true` in
 * vega-embed) instead of its `Function`-based code generator. Styles allow inline because Vega,
 * vega-embed and bull-board inject `<style>` elements; no style can run code.
 */
export const CONTENT_SECURITY_POLICY: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
});

/**
 * helmet with the policy above. `upgrade-insecure-requests` is off: the control plane is often
 * reached over plain HTTP (port-forward, local mode), where it would break every asset.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries(Object.entries(CONTENT_SECURITY_POLICY).map(([name, values]) => [name, [...values]])),
    },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'same-origin' },
  }) as RequestHandler;
}
