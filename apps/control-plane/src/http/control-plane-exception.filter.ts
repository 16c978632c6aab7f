import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { ControlPlaneError, type ControlPlaneErrorCode } from '../control-plane.errors.js';

const STATUS: Record<ControlPlaneErrorCode, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 400,
  Unauthorized: 401,
  Unavailable: 503,
};

/** Maps every error to one JSON shape: `{ statusCode, error, message, fields? }` (domain codes in one place). */
@Catch()
export class ControlPlaneExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    if (exception instanceof ControlPlaneError) {
      response.status(STATUS[exception.code]).json({
        statusCode: STATUS[exception.code],
        error: exception.code,
        message: exception.message,
        ...(exception.fields.length > 0 ? { fields: exception.fields } : {}),
      });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      response.status(status).json(typeof body === 'object' ? body : { statusCode: status, message: body });
      return;
    }
    // body-parser errors (malformed JSON, too large) carry their own 4xx status.
    const parserError = exception as { status?: number; type?: string; message?: string };
    if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      response.status(parserError.status).json({
        statusCode: parserError.status,
        error: 'Invalid',
        message: `Invalid request body: ${parserError.message}`,
        fields: [{ field: '(body)', message: parserError.message }],
      });
      return;
    }
    this.log.error({ err: exception }, 'Failed to handle request');
    response.status(500).json({ statusCode: 500, error: 'Internal', message: 'Internal server error' });
  }
}
