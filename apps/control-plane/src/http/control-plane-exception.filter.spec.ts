import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requestBodyErrorResponse } from './control-plane-exception.filter.js';

describe('answers to request-body errors', () => {
  it("answers body-parser's malformed-JSON error with its 400, naming the body", async () => {
    // The same parser and error path as bootstrap.ts, on a bare Express app.
    const app = express();
    app.use(express.json());
    app.post('/echo', (req, res) => res.json(req.body));
    app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
      const answer = requestBodyErrorResponse(error);
      return answer ? res.status(answer.status).json(answer.body) : next(error);
    });
    const response = await request(app).post('/echo').set('content-type', 'application/json').send('{"metadata": ');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Invalid', fields: [{ field: '(body)' }] });
    expect(response.body.message).toMatch(/^Invalid request body: /);
  });

  it('answers a body over the limit with 413 and both sizes', async () => {
    const app = express();
    app.use(express.json({ limit: 100 }));
    app.post('/echo', (req, res) => res.json(req.body));
    app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
      const answer = requestBodyErrorResponse(error);
      return answer ? res.status(answer.status).json(answer.body) : next(error);
    });
    const response = await request(app)
      .post('/echo')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(200) }));
    expect(response.status).toBe(413);
    expect(response.body.message).toBe('Invalid request body: the body of 210 bytes is larger than the 100 bytes accepted');
  });

  it('leaves every other error alone', () => {
    expect(requestBodyErrorResponse(new Error('boom'))).toBeUndefined();
    expect(requestBodyErrorResponse({ status: 500, message: 'server' })).toBeUndefined();
    expect(requestBodyErrorResponse(null)).toBeUndefined();
  });
});
