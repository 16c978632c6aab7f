import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  acceleratorHoursCountSchema,
  ConditionReason,
  demandTokensSchema,
  modelSpecSchema,
  PRESET_NAMES,
  tokenCountSchema,
  type AllocationStatus,
  type ScalingLaw,
} from '@scaleplan/contracts';
import type { AllocationIntervals } from '@scaleplan/scaling-laws';
import type { z } from 'zod';
import { findAllocationSource, resolveAllocation, type SourceQuery } from '../budgets/budget-allocation.js';
import { ControlPlaneError, type FieldProblem } from '../control-plane.errors.js';
import { BUDGET_FLOPS_RESOLVER, PRESET_CATALOG } from '../control-plane.tokens.js';
import type { BudgetFlopsResolver } from '../planning/budget-flops.js';
import { FitStore } from '../planning/fit-store.js';
import type { PresetCatalog } from '../planning/presets.js';
import type { ResourceStore } from '../resources/resource-store.js';
import { SCALING_LAW_STORE } from '../resources/resource-store.tokens.js';

/** A query number: undefined when absent, else finite and > 0 (or ≥ 0 with `allowZero`), or a problem naming the field. */
const number = (raw: string | undefined, field: string, problems: FieldProblem[], allowZero = false): number | undefined => {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) {
    problems.push({ field, message: `must be a finite number ${allowZero ? '≥ 0' : '> 0'}, got ${JSON.stringify(raw)}` });
  }
  return value;
};

/** A finite query number outside the admission contract's bounds (`schema`) becomes a problem naming the field. */
function withinContract(value: number | undefined, schema: z.ZodType, field: string, problems: FieldProblem[]): void {
  if (value === undefined || !Number.isFinite(value)) return;
  const checked = schema.safeParse(value);
  if (!checked.success) problems.push({ field, message: checked.error.issues[0]?.message ?? 'out of range' });
}

const DEFAULT_MODEL = modelSpecSchema.parse({});

/** The answer: what a ComputeBudget's status.allocation would hold, plus the intervals with their medians. */
export type AllocationResponse = AllocationStatus & {
  readonly acceleratorHours?: { hours: number; accelerator: string | undefined; precision: string; utilisation: number };
  readonly intervals: AllocationIntervals;
  /** why the allocation is provisional (the law's Ready condition), when it is */
  readonly provisionalReason?: string;
};

/**
 * `GET /api/v1/allocations`: the allocation of a budget under a law, computed on the spot (nothing stored) by the
 * same code the ComputeBudget reconciler uses (mapping choice, trust, estimate with intervals, model shape).
 */
@ApiTags('allocations')
@Controller('api/v1')
export class AllocationsController {
  constructor(
    @Inject(SCALING_LAW_STORE) private readonly laws: ResourceStore<ScalingLaw>,
    @Inject(FitStore) private readonly fits: Pick<FitStore, 'get'>,
    @Inject(PRESET_CATALOG) private readonly presets: PresetCatalog,
    @Inject(BUDGET_FLOPS_RESOLVER) private readonly resolveFlops: BudgetFlopsResolver,
  ) {}

  @Get('allocations')
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Compute-optimal (N_opt, D_opt) with intervals for a budget in FLOPs or accelerator-hours; data-constrained and inference-aware on request',
  })
  @ApiQuery({ name: 'flops', required: false, description: 'Budget C in FLOPs (or give acceleratorHours + accelerator)' })
  @ApiQuery({ name: 'acceleratorHours', required: false })
  @ApiQuery({ name: 'accelerator', required: false, description: 'e.g. h100-sxm' })
  @ApiQuery({ name: 'precision', required: false, description: 'bf16 (default), fp16, fp8, tf32, fp32, int8' })
  @ApiQuery({ name: 'utilisation', required: false, description: 'MFU, default 0.4' })
  @ApiQuery({ name: 'law', required: true, description: `A preset (${PRESET_NAMES.join(', ')}) or a ScalingLaw as namespace/name` })
  @ApiQuery({ name: 'method', required: false, description: "1, 2 or 3 (default: the law's primary method)" })
  @ApiQuery({ name: 'uniqueTokens', required: false, description: 'Unique training tokens available (Muennighoff et al. 2023 eq. 5)' })
  @ApiQuery({ name: 'inferenceTokens', required: false, description: 'Lifetime inference tokens (Sardana et al. 2024; loss laws only)' })
  async allocate(
    @Query('flops') flopsRaw?: string,
    @Query('acceleratorHours') hoursRaw?: string,
    @Query('accelerator') accelerator?: string,
    @Query('precision') precision?: string,
    @Query('utilisation') utilisationRaw?: string,
    @Query('law') lawName?: string,
    @Query('method') methodRaw?: string,
    @Query('uniqueTokens') uniqueTokensRaw?: string,
    @Query('inferenceTokens') inferenceTokensRaw?: string,
  ): Promise<AllocationResponse> {
    const problems: FieldProblem[] = [];
    const flopsParam = number(flopsRaw, 'flops', problems);
    const hours = number(hoursRaw, 'acceleratorHours', problems);
    const utilisation = number(utilisationRaw, 'utilisation', problems);
    const uniqueTokens = number(uniqueTokensRaw, 'uniqueTokens', problems);
    const inferenceTokens = number(inferenceTokensRaw, 'inferenceTokens', problems, true);
    if (utilisation !== undefined && utilisation > 1) problems.push({ field: 'utilisation', message: 'must be at most 1' });
    // The admission contract's limits, as for a ComputeBudget (flops and accelerator-hours: resolveFlops below).
    withinContract(uniqueTokens, tokenCountSchema, 'uniqueTokens', problems);
    withinContract(inferenceTokens, demandTokensSchema, 'inferenceTokens', problems);
    withinContract(hours, acceleratorHoursCountSchema, 'acceleratorHours', problems);
    if ((flopsParam === undefined) === (hours === undefined))
      problems.push({ field: 'flops', message: 'give exactly one of flops or acceleratorHours (+ accelerator)' });
    if (hours !== undefined && !accelerator) problems.push({ field: 'accelerator', message: 'required with acceleratorHours' });
    if (!lawName)
      problems.push({ field: 'law', message: `required: a preset (${PRESET_NAMES.join(', ')}) or namespace/name of a ScalingLaw` });
    const method = methodRaw === undefined ? undefined : Number(methodRaw);
    if (method !== undefined && ![1, 2, 3].includes(method)) problems.push({ field: 'method', message: 'must be 1, 2 or 3' });
    if (problems.length > 0) throw new ControlPlaneError('Invalid', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);

    const resolved = this.resolveFlops({
      flops: flopsParam,
      acceleratorHours:
        hours !== undefined
          ? { hours, accelerator: accelerator as string, precision: (precision ?? 'bf16') as 'bf16', utilisation: utilisation ?? 0.4 }
          : undefined,
      train: false,
      seed: 0,
    });
    if (!resolved.ok)
      throw new ControlPlaneError('Invalid', resolved.reason, [
        { field: flopsParam !== undefined ? 'flops' : 'accelerator', message: resolved.reason },
      ]);
    const flops = resolved.flops;

    const query = await this.sourceQuery(lawName as string, method);
    const lookup = findAllocationSource(query);
    if (!lookup.ok) {
      if (lookup.reason === ConditionReason.AwaitingFit) throw new ControlPlaneError('Conflict', lookup.message);
      throw new ControlPlaneError('Invalid', lookup.message, [{ field: 'law', message: lookup.message }]);
    }
    const source = lookup.source;
    const demand = {
      ...(uniqueTokens !== undefined ? { uniqueTokens } : {}),
      ...(inferenceTokens !== undefined ? { inferenceTokens } : {}),
    };
    const allocation = resolveAllocation(source, flops, demand, query.law?.spec.model ?? DEFAULT_MODEL);
    if (!allocation.ok) {
      throw new ControlPlaneError('Invalid', allocation.message, [{ field: allocation.field, message: allocation.message }]);
    }
    return {
      ...(hours !== undefined
        ? { acceleratorHours: { hours, accelerator, precision: precision ?? 'bf16', utilisation: utilisation ?? 0.4 } }
        : {}),
      ...allocation.allocation,
      intervals: allocation.estimate.intervals,
      ...(allocation.trust.trusted ? {} : { provisionalReason: allocation.trust.message }),
    };
  }

  /** `law` as a preset name or namespace/name (default namespace when no slash), with the fit state when it is measured. */
  private async sourceQuery(lawName: string, method: number | undefined): Promise<SourceQuery> {
    const preset = this.presets.get(lawName);
    if (preset) return { lawLabel: `preset:${preset.name}`, presetName: preset.name, preset };
    const [namespace, name] = lawName.includes('/') ? (lawName.split('/', 2) as [string, string]) : ['default', lawName];
    const law = await this.laws.get({ namespace, name });
    if (!law || law.metadata.deletionTimestamp) {
      throw new ControlPlaneError('Invalid', `unknown law ${lawName}`, [
        { field: 'law', message: `no preset or ScalingLaw named ${lawName}; presets: ${PRESET_NAMES.join(', ')}` },
      ]);
    }
    const lawPreset = law.spec.preset ? this.presets.get(law.spec.preset) : undefined;
    const lawFit = law.spec.preset ? undefined : await this.fits.get({ namespace, name });
    return {
      lawLabel: `${namespace}/${name}`,
      ...(law.spec.preset ? { presetName: law.spec.preset } : {}),
      ...(lawPreset ? { preset: lawPreset } : {}),
      law,
      ...(lawFit ? { lawFit } : {}),
      ...(method !== undefined ? { method } : {}),
    };
  }
}
