import { budgetPage } from './budget-page.js';
import { budgetsPage } from './budgets-page.js';
import { h, replaceChildren } from './dom.js';
import { LiveUpdates } from './live.js';
import { studiesPage } from './studies-page.js';
import { studyPage } from './study-page.js';

/** Entry point: the server renders the shell with `data-page` (and the object's namespace/name); this fills `<main>`. */
async function main(): Promise<void> {
  const root = document.getElementById('main');
  if (!root) return;
  const live = new LiveUpdates(document.getElementById('live-status'));
  const { page, namespace, name } = document.body.dataset;
  try {
    switch (page) {
      case 'studies':
        await studiesPage(root, live);
        break;
      case 'study':
        await studyPage(root, live, namespace ?? 'default', name ?? '');
        break;
      case 'budgets':
        await budgetsPage(root, live);
        break;
      case 'budget':
        await budgetPage(root, live, namespace ?? 'default', name ?? '');
        break;
      default:
        replaceChildren(root, h('h1', {}, 'Not found'));
    }
    live.start();
    root.dataset.ready = 'true';
  } catch (error) {
    replaceChildren(root, h('h1', {}, 'Could not load this page'), h('p', { class: 'error-box', role: 'alert' }, (error as Error).message));
    root.dataset.ready = 'error';
  }
}

void main();
