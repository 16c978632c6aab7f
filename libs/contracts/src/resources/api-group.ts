/** API group and version of ScalePlan's custom resources. */
export const API_GROUP = 'scaleplan.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

/** Group/version/plural of each kind, as CustomObjectsApi wants them. */
export const SCALING_LAW_GVR = { group: API_GROUP, version: API_VERSION, plural: 'scalinglaws' } as const;
export const COMPUTE_BUDGET_GVR = { group: API_GROUP, version: API_VERSION, plural: 'computebudgets' } as const;

export const ResourceKind = { ScalingLaw: 'ScalingLaw', ComputeBudget: 'ComputeBudget' } as const;
export type ResourceKind = (typeof ResourceKind)[keyof typeof ResourceKind];

/** Finalizer the control plane puts on every resource so that deleting one cancels its runs first. */
export const RUNS_FINALIZER = 'scaleplan.dev/runs';

/** Names of the presets shipped in `@scaleplan/scaling-laws` (kept here so schemas can enumerate them). */
export const PRESET_NAMES = ['chinchilla-2022', 'chinchilla-2022-approach1', 'chinchilla-2022-approach2', 'epoch-2024'] as const;
