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

/**
 * The answer to a body-parser error (malformed JSON or YAML text, body too large), which carries its own 4xx
 * status; undefined for any other error. Such errors reach both Express's error middleware (bootstrap.ts) and
 * this filter, so both answer through here, in the filter's JSON shape.
 */
export function requestBodyErrorResponse(error: unknown): { status: number; body: object } | undefined {
  const parserError = error as { status?: unknown; message?: string; type?: string; length?: number; limit?: number } | null;
  if (typeof parserError?.status !== 'number' || parserError.status < 400 || parserError.status >= 500) return undefined;
  const status = parserError.status;
  // body-parser says only "request entity too large"; the client needs the limit.
  const message =
    parserError.type === 'entity.too.large'
      ? `the body${parserError.length !== undefined ? ` of ${parserError.length} bytes` : ''} is larger than the ${parserError.limit} bytes accepted`
      : parserError.message;
  return {
    status,
    body: { statusCode: status, error: 'Invalid', message: `Invalid request body: ${message}`, fields: [{ field: '(body)', message }] },
  };
}

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
    const bodyError = requestBodyErrorResponse(exception);
    if (bodyError) {
      response.status(bodyError.status).json(bodyError.body);
      return;
    }
    this.log.error({ err: exception }, 'Failed to handle request');
    response.status(500).json({ statusCode: 500, error: 'Internal', message: 'Internal server error' });
  }
}
