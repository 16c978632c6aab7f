/** DI token of the BullMQ `RunQueue` (the dashboard mounts bull-board on `RunQueue.queue`). */
export const RUN_QUEUE = Symbol('RUN_QUEUE');
/** DI token of the in-process `EventBus` (server-sent events; the parts' own events are `ControlPlaneEvents`). */
export const EVENT_BUS = Symbol('EVENT_BUS');
/** DI token of the `ControlPlaneMetrics`. */
export const CONTROL_PLANE_METRICS = Symbol('CONTROL_PLANE_METRICS');
/** DI token of the `PresetCatalog`. */
export const PRESET_CATALOG = Symbol('PRESET_CATALOG');
/** DI token of the `LawFitter`. */
export const LAW_FITTER = Symbol('LAW_FITTER');
/** DI token of the `BudgetFlopsResolver`. */
export const BUDGET_FLOPS_RESOLVER = Symbol('BUDGET_FLOPS_RESOLVER');
