import { escapeHtml } from '../auth/login-page.js';
import { VENDOR_FILES } from './dashboard-assets.js';

/** The dashboard's pages; the browser module named by `data-page` fills `<main>`. */
export type DashboardPage = 'studies' | 'study' | 'budgets' | 'budget';

const NAV: readonly { href: string; label: string; pages: readonly (DashboardPage | 'queues')[] }[] = [
  { href: '/studies', label: 'Studies', pages: ['studies', 'study'] },
  { href: '/budgets', label: 'Budgets', pages: ['budgets', 'budget'] },
  { href: '/queues', label: 'Queues', pages: ['queues'] },
];

/**
 * The HTML shell of every dashboard page: skip link, navigation, a `<main>` landmark and the scripts.
 * It carries no data and no secrets; everything is fetched with the HttpOnly session cookie.
 */
export function renderPage(options: { page: DashboardPage; title: string; namespace?: string; name?: string }): string {
  const data = [`data-page="${options.page}"`];
  if (options.namespace !== undefined) data.push(`data-namespace="${escapeHtml(options.namespace)}"`);
  if (options.name !== undefined) data.push(`data-name="${escapeHtml(options.name)}"`);
  const nav = NAV.map(
    ({ href, label, pages }) => `<li><a href="${href}"${pages.includes(options.page) ? ' aria-current="page"' : ''}>${label}</a></li>`,
  ).join('');
  const vendor = Object.keys(VENDOR_FILES)
    .map((file) => `<script defer src="/assets/vendor/${file}"></script>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)} · ScalePlan</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/dashboard.css">
${vendor}
<script type="module" src="/assets/js/app.js"></script>
</head>
<body ${data.join(' ')}>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
<a class="brand" href="/">ScalePlan</a>
<nav aria-label="Main"><ul>${nav}</ul></nav>
<span class="live" id="live-status" role="status" aria-live="polite">Connecting…</span>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>
</header>
<main id="main" tabindex="-1" aria-busy="false">
<p class="muted">Loading…</p>
</main>
</body>
</html>
`;
}
