import { stringify } from 'yaml';
import { buildCustomResourceDefinition, crdFileName, SCALEPLAN_KINDS } from './custom-resource-definitions.js';

/** One generated manifest: its file name and its YAML text. */
export interface CrdManifest {
  readonly fileName: string;
  readonly yaml: string;
}

/** Header of every generated file, so nobody edits one by hand. */
export const CRD_FILE_HEADER =
  '# Generated from libs/contracts by `npm run generate:crds`. Do not edit: change the zod schemas and regenerate.\n';

/**
 * The CRD manifests of every ScalePlan kind, rendered exactly as `k8s/crds/` and `helm/scaleplan/crds/` hold them.
 * Deterministic (no timestamps), so a drift test can compare bytes.
 */
export function renderCrdManifests(): CrdManifest[] {
  return SCALEPLAN_KINDS.map((definition) => ({
    fileName: crdFileName(definition),
    yaml: CRD_FILE_HEADER + stringify(buildCustomResourceDefinition(definition), { lineWidth: 0, aliasDuplicateObjects: false }),
  }));
}

/** Directories (relative to the repository root) that hold the generated CRDs, identically. */
export const CRD_OUTPUT_DIRS = ['k8s/crds', 'helm/scaleplan/crds'] as const;
