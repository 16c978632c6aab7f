/**
 * The dashboard's stylesheet (kept as a module so the normal TypeScript build ships it; served at
 * `/assets/dashboard.css`). Layout works from phone width up; focus is always visible.
 */
export const DASHBOARD_CSS = `
:root {
  --bg: #f6f7f9; --card: #fff; --fg: #1b1f24; --muted: #59636e; --border: #d5dae0;
  --accent: #0b5cad; --accent-fg: #fff; --ok: #1a7f37; --warn: #9a6700; --bad: #c62828; --run: #0969da;
  --sim-bg: #fff4d6; --sim-fg: #6b4a00; --radius: 6px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--fg); background: var(--bg); line-height: 1.45;
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
.skip-link { position: absolute; left: .5rem; top: -3rem; background: var(--accent); color: var(--accent-fg); padding: .5rem .75rem; border-radius: var(--radius); z-index: 10; }
.skip-link:focus { top: .5rem; }
.site-header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1rem; background: #14233a; color: #fff; }
.site-header .brand { font-weight: 700; font-size: 1.1rem; color: #fff; text-decoration: none; }
.site-header nav ul { display: flex; flex-wrap: wrap; gap: .25rem; list-style: none; margin: 0; padding: 0; }
.site-header nav a { color: #dbe6f5; text-decoration: none; padding: .35rem .6rem; border-radius: var(--radius); display: inline-block; }
.site-header nav a:hover, .site-header nav a[aria-current="page"] { background: #2b4366; color: #fff; }
.site-header .live { margin-left: auto; font-size: .85rem; color: #b8c7db; }
.site-header form { margin: 0; }
.site-header button { background: transparent; color: #dbe6f5; border: 1px solid #50698c; border-radius: var(--radius); padding: .25rem .6rem; cursor: pointer; }
main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin: .25rem 0 .75rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: var(--radius); padding: .9rem 1rem; margin-bottom: 1rem; }
/* One study per row: a card holds a fits table, which needs the width. */
.cards { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; }
.cards .card { margin: 0; }
.card h2 { margin-top: 0; }
.muted { color: var(--muted); }
.badge { display: inline-block; font-size: .78rem; font-weight: 600; padding: .1rem .45rem; border-radius: 999px; border: 1px solid var(--border); background: #eef1f4; color: var(--fg); vertical-align: middle; }
.badge.simulated { background: var(--sim-bg); color: var(--sim-fg); border-color: #e3c26b; }
.badge.phase-Ready, .badge.phase-Succeeded, .badge.state-succeeded, .badge.phase-Resolved { background: #dafbe1; color: #0f5323; border-color: #9bd8a9; }
.badge.phase-Degraded, .badge.state-failed, .badge.state-diverged { background: #ffebe9; color: #8c1d18; border-color: #f1a9a3; }
.badge.phase-Running, .badge.phase-Training, .badge.phase-Fitting, .badge.state-running { background: #ddf4ff; color: #0a3069; border-color: #8cc8f0; }
.badge.agree, .badge.verdict-trusted { background: #dafbe1; color: #0f5323; border-color: #9bd8a9; }
.badge.verdict-untrusted, .badge.provisional, .badge.warned { background: #fff1e5; color: #7a3a00; border-color: #f0b37e; }
.badge.disagree { background: #fff1e5; color: #7a3a00; }
.sim-banner { background: var(--sim-bg); color: var(--sim-fg); border: 1px solid #e3c26b; border-radius: var(--radius); padding: .5rem .75rem; margin-bottom: 1rem; }
.progress { display: flex; height: .8rem; border-radius: 999px; overflow: hidden; background: #e6e9ed; margin: .35rem 0; }
.progress span { display: block; height: 100%; }
.progress .succeeded { background: var(--ok); } .progress .failed { background: var(--bad); } .progress .diverged { background: #8e3fb0; }
.progress .running { background: var(--run); } .progress .queued { background: #9fb4cc; }
.legend { display: flex; flex-wrap: wrap; gap: .25rem .9rem; font-size: .85rem; color: var(--muted); margin: 0; padding: 0; list-style: none; }
.legend .swatch { display: inline-block; width: .7rem; height: .7rem; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; }
.swatch.succeeded { background: var(--ok); } .swatch.failed { background: var(--bad); } .swatch.diverged { background: #8e3fb0; } .swatch.running { background: var(--run); } .swatch.queued { background: #9fb4cc; } .swatch.planned { background: #e6e9ed; border: 1px solid #c5ccd4; }
.table-wrap { border: 1px solid var(--border); border-radius: var(--radius); background: var(--card); margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
caption { text-align: left; padding: .5rem .75rem; font-weight: 600; }
th, td { padding: .4rem .65rem; border-bottom: 1px solid #e6e9ed; text-align: left; vertical-align: top; }
td { overflow-wrap: break-word; }
th { background: #f0f2f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; overflow-wrap: normal; }
.estimate .interval { display: block; font-size: .8em; color: var(--muted); white-space: nowrap; }
.edge-flag { color: var(--warn); font-weight: 700; margin-left: .2rem; cursor: help; }
.law-terms { display: flex; flex-wrap: wrap; gap: .15rem .9rem; }
.law-term { white-space: nowrap; font-variant-numeric: tabular-nums; }
.law-term .estimate { display: inline-block; vertical-align: top; }
.truth-label { font-weight: 600; }
tr[data-method="truth"] { background: #fbfaf4; }
.run-id { overflow-wrap: anywhere; }
tbody tr:hover { background: #f8fafc; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 1rem; }
figure.chart { margin: 0; background: var(--card); border: 1px solid var(--border); border-radius: var(--radius); padding: .6rem; min-width: 0; }
figure.chart figcaption { font-weight: 600; margin-bottom: .4rem; }
figure.chart .chart-note { font-size: .82rem; color: var(--muted); margin: .35rem 0 0; }
.chart-body { width: 100%; min-height: 120px; }
.chart-body .vega-embed { width: 100%; }
.chart-body .vega-embed summary { z-index: 1; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0; }
.button, button.button { display: inline-block; background: var(--card); color: var(--accent); border: 1px solid var(--accent); border-radius: var(--radius); padding: .3rem .7rem; text-decoration: none; font-size: .9rem; cursor: pointer; }
.button:hover { background: #e8f1fb; }
details.curve summary { cursor: pointer; color: var(--accent); }
.provisional-banner, .warning-box { background: #fff8e6; border: 1px solid #f0c36d; color: #5c3b00; border-radius: var(--radius); padding: .5rem .75rem; margin: 0 0 .75rem; }
.warning-box ul { margin: .3rem 0 0; padding-left: 1.2rem; }
.diagnostics h3 { margin-top: 1.25rem; }
.verdict-line[data-trusted="false"] strong { color: var(--bad); }
details.fit-diagnostics { border: 1px solid var(--border); border-radius: var(--radius); padding: .4rem .7rem; margin: .5rem 0; }
details.fit-diagnostics summary { cursor: pointer; font-weight: 600; }
details.fit-diagnostics summary .muted { font-weight: 400; }
.facts-list { margin: .4rem 0 0; padding-left: 1.2rem; }
.facts-list li { margin: .2rem 0; }
.check.passed { color: var(--ok); } .check.failed { color: var(--bad); font-weight: 600; } .check.warned { color: var(--warn); font-weight: 600; }
tr.curve-row td { white-space: normal; background: #fafbfc; }
.run-error { color: var(--bad); font-size: .85rem; }
.error-box { background: #ffebe9; border: 1px solid #f1a9a3; color: #8c1d18; padding: .6rem .8rem; border-radius: var(--radius); }
.empty { color: var(--muted); font-style: italic; }
.login { max-width: 26rem; margin: 10vh auto; background: var(--card); border: 1px solid var(--border); border-radius: var(--radius); padding: 1.5rem; }
.login-form { display: grid; gap: .6rem; }
.login-form input[type="password"] { font: inherit; padding: .5rem; border: 1px solid var(--border); border-radius: var(--radius); }
.login-form button { font: inherit; padding: .5rem; background: var(--accent); color: var(--accent-fg); border: 0; border-radius: var(--radius); cursor: pointer; }
.form-error { color: var(--bad); margin: 0; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 640px) {
  main { padding: .6rem; }
  h1 { font-size: 1.25rem; }
  .site-header .live { margin-left: 0; width: 100%; }
  dl.facts { grid-template-columns: 1fr; gap: .1rem; }
  dl.facts dd { margin-bottom: .4rem; }
}
/* Phone width: each table row becomes a card of label/value lines (labels from data-label), so no table scrolls sideways. */
@media (max-width: 760px) {
  .table-wrap table, .table-wrap tbody, .table-wrap tr, .table-wrap td, .table-wrap caption { display: block; width: 100%; }
  .table-wrap thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .table-wrap tr { border-bottom: 1px solid var(--border); padding: .35rem 0; }
  .table-wrap td { display: grid; grid-template-columns: minmax(5.5rem, 35%) minmax(0, 1fr); gap: .6rem; border: 0; padding: .15rem .6rem; text-align: left; white-space: normal; }
  .table-wrap td::before { content: attr(data-label); font-weight: 600; color: var(--muted); }
  .table-wrap td[colspan], .table-wrap td.empty { display: block; }
  .table-wrap td[colspan]::before, .table-wrap td.empty::before { content: none; }
  .estimate .interval { display: inline; margin-left: .35rem; }
}
`;
