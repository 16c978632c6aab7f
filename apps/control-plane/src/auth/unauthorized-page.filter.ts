import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BearerUnauthorizedException } from './bearer-auth.guard.js';
import { sendUnauthorized } from './bearer-auth.middleware.js';

/** Answers a guard 401 with the login form when a browser asked for a page, JSON otherwise. */
@Catch(BearerUnauthorizedException)
export class UnauthorizedPageFilter implements ExceptionFilter<BearerUnauthorizedException> {
  catch(exception: BearerUnauthorizedException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendUnauthorized(http.getRequest<Request>(), http.getResponse<Response>(), exception.reason);
  }
}
