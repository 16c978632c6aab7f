import { ExpressAdapter } from '@bull-board/express';
import type { AppViewRoute } from '@bull-board/api/typings/app';
import type { NextFunction, Request, Response } from 'express';

/** bull-board's page links Google Fonts; on offline machines and clusters that is a failed request per view. */
const REMOTE_STYLESHEET =
  /<link[^>]+href="https?:\/\/[^"]+"[^>]*rel="stylesheet"[^>]*>|<link[^>]+rel="stylesheet"[^>]*href="https?:\/\/[^"]+"[^>]*>/g;

/** Removes links to remote stylesheets from bull-board's entry page (the UI falls back to system fonts). */
export const stripRemoteStylesheets = (html: string): string => html.replace(REMOTE_STYLESHEET, '');

/**
 * A link back to the dashboard, pinned to the bottom-left corner of every bull-board view. bull-board's
 * own `miscLinks` sit in a menu behind an icon, where nobody finds them.
 */
const BACK_LINK =
  '<a id="scaleplan-back" href="/studies" style="position:fixed;left:12px;bottom:12px;z-index:2147483647;padding:6px 12px;' +
  'border-radius:6px;background:#14233a;color:#fff;font:600 14px system-ui,sans-serif;text-decoration:none;' +
  'box-shadow:0 1px 4px rgba(0,0,0,.35)">← ScalePlan dashboard</a>';

/** Adds {@link BACK_LINK} right after `<body …>` (first in the tab order). */
export const addBackLink = (html: string): string => html.replace(/<body[^>]*>/, (body) => `${body}\n${BACK_LINK}`);

/**
 * bull-board's Express adapter, with the entry page made self-contained (nothing is fetched from
 * outside the control plane, so `/queues` works offline and under a `'self'`-only CSP) and a link
 * back to the dashboard.
 */
export class OfflineExpressAdapter extends ExpressAdapter {
  override setEntryRoute(routeDef: AppViewRoute): ExpressAdapter {
    const handler = (_request: Request, response: Response, next: NextFunction): void => {
      const { name, params } = routeDef.handler({ basePath: this.basePath, uiConfig: this.uiConfig });
      response.render(name, params, (error: Error | null, html?: string) => {
        if (error) next(error);
        else response.type('html').send(addBackLink(stripRemoteStylesheets(html ?? '')));
      });
    };
    const routes = Array.isArray(routeDef.route) ? routeDef.route : [routeDef.route];
    for (const route of routes) this.app[routeDef.method](route, handler);
    return this;
  }
}
