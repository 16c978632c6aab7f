// Test-only loader for svg_extracted_data.csv (Epoch AI's extraction of Chinchilla Fig. 4) in the published data.
// The data's licence does not allow shipping it: tests read it in place, found through test/support/shared-data.ts;
// a describe() or it() that calls these loaders takes `needsSharedData(SVG_DATA_FILE)` as its options.
import { readFileSync } from 'node:fs';
import { requireSharedDataFile, sharedDataFile } from '../../../../test/support/shared-data.js';
import type { LossObservation } from '../observations.js';

export { needsSharedData } from '../../../../test/support/shared-data.js';

/** File name of the Chinchilla runs in the published data folder. */
export const SVG_DATA_FILE = 'svg_extracted_data.csv';
/** Absolute path where the Chinchilla runs are looked for. */
export const SVG_DATA_PATH = sharedDataFile(SVG_DATA_FILE);

/** All 245 runs with D = C/(6N), in file order. */
export function loadSvgRuns(): LossObservation[] {
  const [header, ...lines] = readFileSync(requireSharedDataFile(SVG_DATA_FILE), 'utf8').trim().split('\n');
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
