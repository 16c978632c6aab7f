/** Child content accepted by {@link h}: nodes, text, or nothing. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

/** Attributes accepted by {@link h}; `on*` functions become listeners, booleans toggle presence. */
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * Builds an element. Text is always inserted as text nodes (never parsed as HTML), so values from
 * the API cannot inject markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/** Appends children (flattening arrays, skipping empty values). */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'object' ? (child as Node) : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A column of {@link table}: numeric columns are right-aligned and never wrap; `title` explains the header. */
export interface Column {
  readonly label: string;
  readonly numeric?: boolean;
  readonly title?: string;
}

/** A row of {@link table}: its cells, attributes, and an optional row drawn after it (a run's curve). */
export type Row = readonly Child[] | { cells: readonly Child[]; attrs?: Attrs; after?: HTMLTableRowElement | undefined };

/**
 * A table with a caption, column headers (scope=col) and rows. Every cell carries its column's label
 * (`data-label`): at phone width the stylesheet lays each row out as a card of label/value lines, so
 * no table scrolls sideways. Explicit ARIA roles keep it a table for screen readers in that layout.
 */
export function table(options: {
  caption: string;
  columns: readonly Column[];
  rows: readonly Row[];
  empty?: string;
  id?: string;
}): HTMLElement {
  const head = h(
    'thead',
    { role: 'rowgroup' },
    h(
      'tr',
      { role: 'row' },
      options.columns.map((c) =>
        h('th', { scope: 'col', role: 'columnheader', class: c.numeric ? 'num' : undefined, title: c.title }, c.label),
      ),
    ),
  );
  const body = h('tbody', { role: 'rowgroup' });
  for (const row of options.rows) {
    const spec = Array.isArray(row) ? { cells: row as readonly Child[] } : (row as Exclude<Row, readonly Child[]>);
    body.appendChild(
      h(
        'tr',
        { role: 'row', ...(spec.attrs ?? {}) },
        spec.cells.map((cell, i) => {
          const column = options.columns[i];
          // One wrapper per cell: at phone width the cell is a label/value grid, and the value must be one item of it.
          return h(
            'td',
            { role: 'cell', class: column?.numeric ? 'num' : undefined, 'data-label': column?.label },
            h('div', { class: 'cell' }, cell),
          );
        }),
      ),
    );
    if (spec.after) body.appendChild(spec.after);
  }
  if (options.rows.length === 0) {
    body.appendChild(
      h('tr', { role: 'row' }, h('td', { role: 'cell', colspan: options.columns.length, class: 'empty' }, options.empty ?? 'Nothing yet.')),
    );
  }
  return h('div', { class: 'table-wrap', id: options.id }, h('table', { role: 'table' }, h('caption', {}, options.caption), head, body));
}

/** The badge that marks simulated data wherever it appears. */
export const simulatedBadge = (): HTMLElement =>
  h('span', { class: 'badge simulated', title: 'Losses come from a known law plus noise, not from training' }, 'simulated');

/** A phase/state badge. */
export const stateBadge = (prefix: 'phase' | 'state', value: string | undefined): HTMLElement =>
  h('span', { class: `badge ${prefix}-${value ?? 'Unknown'}` }, value ?? 'Unknown');
