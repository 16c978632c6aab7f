/** DI token of the `ResourceStore<ScalingLaw>` (Redis in local mode, Kubernetes in kubernetes mode). */
export const SCALING_LAW_STORE = Symbol('SCALING_LAW_STORE');
/** DI token of the `ResourceStore<ComputeBudget>`. */
export const COMPUTE_BUDGET_STORE = Symbol('COMPUTE_BUDGET_STORE');
