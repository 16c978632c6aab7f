// Test-only loader for ../shared/data/svg_extracted_data.csv (Epoch AI's extraction of Chinchilla Fig. 4).
// The data's licence does not allow shipping it: tests read it in place, relative to the repo root.
import { readFileSync } from 'node:fs';
import type { LossObservation } from '../observations.js';

export const SVG_DATA_PATH = '../shared/data/svg_extracted_data.csv';

/** All 245 runs with D = C/(6N), in file order. */
export function loadSvgRuns(): LossObservation[] {
  const [header, ...lines] = readFileSync(SVG_DATA_PATH, 'utf8').trim().split('\n');
  const columns = header!.split(',');
  const n = columns.indexOf('Model Size');
  const c = columns.indexOf('Training FLOP');
  const l = columns.indexOf('loss');
  return lines.map((line, i) => {
    const cells = line.split(',');
    const params = Number(cells[n]);
    return { params, tokens: Number(cells[c]) / (6 * params), loss: Number(cells[l]), runId: `svg-${i}` };
  });
}

/** Epoch's main analysis set: the 240 runs left after dropping the 5 highest losses. */
export const loadSvgRuns240 = (): LossObservation[] => {
  const runs = loadSvgRuns();
  const dropped = new Set([...runs].sort((p, q) => q.loss - p.loss).slice(0, 5));
  return runs.filter((r) => !dropped.has(r));
};
