import { ExpressAdapter } from '@bull-board/express';
import type { AppViewRoute } from '@bull-board/api/typings/app';
import type { NextFunction, Request, Response } from 'express';

/** bull-board's page links Google Fonts; on offline machines and clusters that is a failed request per view. */
const REMOTE_STYLESHEET =
  /<link[^>]+href="https?:\/\/[^"]+"[^>]*rel="stylesheet"[^>]*>|<link[^>]+rel="stylesheet"[^>]*href="https?:\/\/[^"]+"[^>]*>/g;

/** Removes links to remote stylesheets from bull-board's entry page (the UI falls back to system fonts). */
export const stripRemoteStylesheets = (html: string): string => html.replace(REMOTE_STYLESHEET, '');

/**
 * bull-board's Express adapter, with the entry page made self-contained: nothing is fetched from
 * outside the control plane, so `/queues` works offline and under a `'self'`-only CSP.
 */
export class OfflineExpressAdapter extends ExpressAdapter {
  override setEntryRoute(routeDef: AppViewRoute): ExpressAdapter {
    const handler = (_request: Request, response: Response, next: NextFunction): void => {
      const { name, params } = routeDef.handler({ basePath: this.basePath, uiConfig: this.uiConfig });
      response.render(name, params, (error: Error | null, html?: string) => {
        if (error) next(error);
        else response.type('html').send(stripRemoteStylesheets(html ?? ''));
      });
    };
    const routes = Array.isArray(routeDef.route) ? routeDef.route : [routeDef.route];
    for (const route of routes) this.app[routeDef.method](route, handler);
    return this;
  }
}
