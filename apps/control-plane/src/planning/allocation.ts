// Allocations are computed once, in @scaleplan/scaling-laws (`estimateAllocation`); the control plane re-exports
// the pieces it uses so that budgets, REST, dashboard and the demo report share one import.
export { countWithInterval, estimateAllocation, humanCount, type AllocationEstimate } from '@scaleplan/scaling-laws';
