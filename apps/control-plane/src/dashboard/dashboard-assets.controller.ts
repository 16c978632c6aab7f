import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/public.decorator.js';
import { DashboardAssets, type Asset } from './dashboard-assets.js';
import { DASHBOARD_CSS } from './dashboard-stylesheet.js';

const STYLESHEET: Asset = {
  body: DASHBOARD_CSS,
  contentType: 'text/css; charset=utf-8',
  etag: `"css-${DASHBOARD_CSS.length.toString(36)}"`,
};

/** Sends an asset with its ETag, or 304 when the browser already has it. */
function send(request: Request, response: Response, asset: Asset | undefined, cacheControl: string): void {
  if (!asset) throw new NotFoundException('No such asset');
  response.setHeader('ETag', asset.etag);
  response.setHeader('Cache-Control', cacheControl);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  if (request.headers['if-none-match'] === asset.etag) {
    response.status(304).end();
    return;
  }
  response.type(asset.contentType).send(asset.body);
}

/** Static files of the dashboard: public, since they hold no data (the login page uses the stylesheet). */
@ApiExcludeController()
@Public()
@Controller('assets')
export class DashboardAssetsController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get('dashboard.css')
  stylesheet(@Req() request: Request, @Res() response: Response): void {
    send(request, response, STYLESHEET, 'no-cache');
  }

  @Get('js/:file')
  async module(@Param('file') file: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    send(request, response, await this.assets.browserModule(file), 'no-cache');
  }

  @Get('vendor/:file')
  async vendor(@Param('file') file: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    send(request, response, await this.assets.vendor(file), 'public, max-age=86400');
  }
}
