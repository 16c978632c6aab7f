import type { ScalingLaw } from '@scaleplan/contracts';
import { getJson, itemsOf, refPath } from './api.js';
import { h, replaceChildren } from './dom.js';
import { byRef, listPage } from './list-page.js';
import type { LiveUpdates } from './live.js';
import { agreementLine, fitsTable, runProgress, studyBadges } from './studies-view.js';

/** The Studies page: every scaling law with its progress, fits and whether the methods agree. */
export async function studiesPage(main: HTMLElement, live: LiveUpdates): Promise<void> {
  const list = h('div', { class: 'cards', id: 'studies' });
  const refresh = async (): Promise<void> => {
    const laws = itemsOf(await getJson<{ items: ScalingLaw[] }>('/api/v1/scalinglaws'));
    laws.sort(byRef);
    replaceChildren(
      list,
      laws.length === 0
        ? h(
            'p',
            { class: 'empty' },
            'No studies yet. Create one with `scaleplan submit study.yaml` or POST /api/v1/namespaces/{ns}/scalinglaws.',
          )
        : laws.map((law) => {
            const ns = law.metadata.namespace ?? 'default';
            return h(
              'section',
              { class: 'card study', 'aria-labelledby': `study-${ns}-${law.metadata.name}`, 'data-study': `${ns}/${law.metadata.name}` },
              h(
                'h2',
                { id: `study-${ns}-${law.metadata.name}` },
                h('a', { href: `/studies/${refPath(ns, law.metadata.name)}` }, law.metadata.name),
                ' ',
                h('span', { class: 'muted' }, `(${ns})`),
              ),
              h('p', {}, studyBadges(law)),
              runProgress(law.status?.runs),
              agreementLine(law),
              fitsTable(law, `Fits of ${law.metadata.name}`),
            );
          }),
    );
  };
  await listPage(main, live, {
    title: 'Studies',
    intro: 'Scaling-law studies: IsoFLOP sweeps and the laws fitted to them.',
    slot: list,
    refresh,
  });
}
