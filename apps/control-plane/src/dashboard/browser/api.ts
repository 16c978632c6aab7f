/** A failed API call, with the HTTP status and the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * GETs JSON from the control plane. The session cookie rides along (same origin); a 401 means the
 * session expired, so the browser goes to the login form and comes back here afterwards.
 */
export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (response.status === 401) {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    throw new ApiError(401, 'Signed out');
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { message?: unknown };
      if (body.message) message = Array.isArray(body.message) ? body.message.join('; ') : String(body.message);
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, message);
  }
  return (await response.json()) as T;
}

/** `items` of a Kubernetes-style list, or the array itself. */
export const itemsOf = <T>(body: { items?: T[] } | T[]): T[] => (Array.isArray(body) ? body : (body.items ?? []));

/** Path segment encoding for namespace/name pairs. */
export const refPath = (namespace: string, name: string): string => `${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
