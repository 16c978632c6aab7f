import { CliUsageError } from '../cli-errors.js';

/** Where the CLI finds a running control plane: --server, else $SCALEPLAN_SERVER, else localhost:8080. */
export function serverUrl(option: string | undefined): string {
  return (option ?? process.env.SCALEPLAN_SERVER ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
}

/** Bearer token (every call but the probes needs it): --token, else $SCALEPLAN_DASHBOARD_TOKEN. */
export function bearerToken(option: string | undefined): string | undefined {
  return option ?? process.env.SCALEPLAN_DASHBOARD_TOKEN ?? undefined;
}

/** A failed API call, with the server's field-level messages. */
export class ApiCallError extends CliUsageError {
  constructor(
    readonly status: number,
    readonly body: { message?: string; fields?: { field: string; message: string }[] },
  ) {
    const fields = body.fields?.map((f) => `\n  ${f.field}: ${f.message}`).join('') ?? '';
    super(`${status} ${body.message ?? 'request failed'}${fields}`);
  }
}

/** JSON call against the control plane's REST API. */
export async function callApi<T>(server: string, path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${server}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
  } catch (error) {
    throw new CliUsageError(
      `cannot reach the control plane at ${server} (${(error as Error).message}); start one with "scaleplan serve" or pass --server URL`,
    );
  }
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) throw new ApiCallError(response.status, (body ?? {}) as ApiCallError['body']);
  return body as T;
}

/** Items of a list endpoint, read page by page (`limit`/`continue`) so no single answer is large. */
export async function listAll<T>(server: string, path: string, token: string | undefined, pageSize = 500): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(pageSize), ...(next ? { continue: next } : {}) });
    const page = await callApi<{ items: T[]; metadata?: { continue?: string } }>(server, `${path}?${query}`, { token });
    items.push(...page.items);
    next = page.metadata?.continue;
  } while (next);
  return items;
}
