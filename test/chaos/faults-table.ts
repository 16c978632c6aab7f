/** One figure of a chaos run: what was measured, its value, and the bound it is checked against. */
export interface ChaosFigure {
  readonly scenario: string;
  readonly figure: string;
  readonly value: string;
  readonly bound: string;
  readonly ok: boolean;
}

/** Prints chaos figures as an aligned table (the figures go into notes and docs, not assertions on timing). */
export function printChaosTable(title: string, figures: readonly ChaosFigure[]): void {
  const header = ['scenario', 'figure', 'value', 'bound', 'ok'];
  const rows = figures.map((f) => [f.scenario, f.figure, f.value, f.bound, f.ok ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const text = [`\n${title}`, line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
  process.stdout.write(`${text}\n`);
}
