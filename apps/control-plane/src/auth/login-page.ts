/** Path of the dashboard stylesheet; public, so the login page can use it. */
export const LOGIN_STYLESHEET = '/assets/dashboard.css';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double-quoted attributes. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * Only same-site relative paths are followed after login, so the form cannot be used as an open
 * redirect (`//evil.example`, `/\evil.example` and absolute URLs fall back to `/`).
 */
export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return /[\r\n]/.test(next) ? '/' : next;
}

/** The login form: the token is posted once and exchanged for an HttpOnly session cookie. */
export function renderLoginPage(options: { next: string; error?: string }): string {
  const error = options.error ? `<p class="form-error" role="alert" id="login-error">${escapeHtml(options.error)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · ScalePlan</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${LOGIN_STYLESHEET}">
</head>
<body>
<main id="main" class="login">
<h1>ScalePlan</h1>
<p>Enter the dashboard token (<code>SCALEPLAN_DASHBOARD_TOKEN</code>, or the token the control plane printed at start).</p>
<form method="post" action="/login" class="login-form">
<input type="hidden" name="next" value="${escapeHtml(safeNextPath(options.next))}">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus${options.error ? ' aria-invalid="true" aria-describedby="login-error"' : ''}>
${error}
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
}
