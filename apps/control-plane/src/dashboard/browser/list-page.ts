import { h, replaceChildren } from './dom.js';
import { debounce, type LiveUpdates } from './live.js';

/** Orders resources by `namespace/name`. */
export const byRef = (p: { metadata: { namespace?: string; name: string } }, q: { metadata: { namespace?: string; name: string } }) =>
  `${p.metadata.namespace}/${p.metadata.name}`.localeCompare(`${q.metadata.namespace}/${q.metadata.name}`);

/**
 * A list page (Studies, Budgets): its heading, one line on what it lists, and `slot`, which `refresh` fills
 * now and again on every live change.
 */
export async function listPage(
  main: HTMLElement,
  live: LiveUpdates,
  page: { readonly title: string; readonly intro: string; readonly slot: HTMLElement; readonly refresh: () => Promise<void> },
): Promise<void> {
  replaceChildren(main, h('h1', {}, page.title), h('p', { class: 'muted' }, page.intro), page.slot);
  await page.refresh();
  live.subscribe(debounce(page.refresh));
}
