export { startKubeEmulator, type KubeEmulator, type KubeEmulatorOptions } from './emulator.js';
export type { EmulatorUser, UserInfo } from './access-review.js';
export { Kubelet, type KubeletOptions, type ContainerSpec, type ImageEntrypoint } from './kubelet.js';
export {
  KubeApi,
  type DeleteOptions,
  type FieldValidation,
  type ListOptions,
  type ListResult,
  type PatchType,
  type WriteContext,
} from './kube-api.js';
export { KubeApiError, type KubeApiErrorCode, type KubeStatus, type StatusCause, type StatusDetails } from './errors.js';
export { kubeconfigYaml, writeKubeconfig, KUBECONFIG_CONTEXT } from './kubeconfig.js';
export { EMULATED_VERSION } from './http-server.js';
export {
  parseLabelSelector,
  matchesLabels,
  parseFieldSelector,
  matchesFields,
  type LabelRequirement,
  type FieldRequirement,
} from './selectors.js';
export { validateAgainstSchema, type SchemaValidationResult } from './schema-validation.js';
export { applyMergePatch, applyJsonPatch, applyStrategicMergePatch } from './patches.js';
export { evaluateJsonPath } from './json-path.js';
export { renderTable, humanDuration, type Table } from './table.js';
export type { KubeObject, ObjectMeta, OwnerReference, JsonSchema, PrinterColumn, ResourceType } from './types.js';
