import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { PRESET_NAMES, type ScalingLaw } from '@scaleplan/contracts';
import { Public } from '../auth/index.js';
import { ControlPlaneCore } from '../control-plane.core.js';
import { ControlPlaneError, type FieldProblem } from '../control-plane.errors.js';
import { BUDGET_FLOPS_RESOLVER, CONTROL_PLANE_CORE, PRESET_CATALOG } from '../control-plane.tokens.js';
import { allocateWithIntervals, humanCount } from '../planning/allocation.js';
import type { BudgetFlopsResolver } from '../planning/budget-flops.js';
import { pickMethod, type Mapping } from '../planning/fit-state.js';
import { planShape } from '../planning/model-shapes.js';
import type { PresetCatalog } from '../planning/presets.js';
import type { ResourceStore } from '../resources/resource-store.js';
import { SCALING_LAW_STORE } from '../resources/resource-store.tokens.js';

const number = (raw: string | undefined, field: string, problems: FieldProblem[]): number | undefined => {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) problems.push({ field, message: `must be a finite number > 0, got ${JSON.stringify(raw)}` });
  return value;
};

/** `GET /api/v1/allocations`: the allocation tuple of a budget under a law, computed on the spot (nothing stored). */
@ApiTags('allocations')
@Controller('api/v1')
export class AllocationsController {
  constructor(
    @Inject(SCALING_LAW_STORE) private readonly laws: ResourceStore<ScalingLaw>,
    @Inject(CONTROL_PLANE_CORE) private readonly core: ControlPlaneCore,
    @Inject(PRESET_CATALOG) private readonly presets: PresetCatalog,
    @Inject(BUDGET_FLOPS_RESOLVER) private readonly resolveFlops: BudgetFlopsResolver,
  ) {}

  @Get('allocations')
  @Public()
  @ApiOperation({ summary: 'Compute-optimal (N_opt, D_opt) for a budget in FLOPs or accelerator-hours' })
  @ApiQuery({ name: 'flops', required: false, description: 'Budget C in FLOPs (or give acceleratorHours + accelerator)' })
  @ApiQuery({ name: 'acceleratorHours', required: false })
  @ApiQuery({ name: 'accelerator', required: false, description: 'e.g. h100-sxm' })
  @ApiQuery({ name: 'precision', required: false, description: 'bf16 (default), fp16, fp8, tf32, fp32, int8' })
  @ApiQuery({ name: 'utilisation', required: false, description: 'MFU, default 0.4' })
  @ApiQuery({ name: 'law', required: true, description: `A preset (${PRESET_NAMES.join(', ')}) or a ScalingLaw as namespace/name` })
  @ApiQuery({ name: 'method', required: false, description: '1, 2 or 3 (default: the law\'s primary method)' })
  async allocate(
    @Query('flops') flopsRaw?: string,
    @Query('acceleratorHours') hoursRaw?: string,
    @Query('accelerator') accelerator?: string,
    @Query('precision') precision?: string,
    @Query('utilisation') utilisationRaw?: string,
    @Query('law') lawName?: string,
    @Query('method') methodRaw?: string,
  ): Promise<unknown> {
    const problems: FieldProblem[] = [];
    const flopsParam = number(flopsRaw, 'flops', problems);
    const hours = number(hoursRaw, 'acceleratorHours', problems);
    const utilisation = number(utilisationRaw, 'utilisation', problems);
    if (utilisation !== undefined && utilisation > 1) problems.push({ field: 'utilisation', message: 'must be at most 1' });
    if ((flopsParam === undefined) === (hours === undefined)) problems.push({ field: 'flops', message: 'give exactly one of flops or acceleratorHours (+ accelerator)' });
    if (hours !== undefined && !accelerator) problems.push({ field: 'accelerator', message: 'required with acceleratorHours' });
    if (!lawName) problems.push({ field: 'law', message: `required: a preset (${PRESET_NAMES.join(', ')}) or namespace/name of a ScalingLaw` });
    const method = methodRaw === undefined ? undefined : Number(methodRaw);
    if (method !== undefined && ![1, 2, 3].includes(method)) problems.push({ field: 'method', message: 'must be 1, 2 or 3' });
    if (problems.length > 0) throw new ControlPlaneError('Invalid', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);

    const resolved = this.resolveFlops({
      flops: flopsParam,
      acceleratorHours: hours !== undefined ? { hours, accelerator: accelerator as string, precision: (precision ?? 'bf16') as 'bf16', utilisation: utilisation ?? 0.4 } : undefined,
      train: false,
      seed: 0,
    });
    if (!resolved.ok) throw new ControlPlaneError('Invalid', resolved.reason, [{ field: flopsParam !== undefined ? 'flops' : 'accelerator', message: resolved.reason }]);
    const flops = resolved.flops;

    let mapping: Mapping;
    let samples: readonly Mapping[] = [];
    let usedMethod: number;
    let confidence = 0.8;
    let source: string;
    const preset = this.presets.get(lawName as string);
    if (preset) {
      mapping = preset.mapping;
      usedMethod = preset.method;
      source = `preset:${preset.name}`;
    } else {
      const [namespace, name] = (lawName as string).includes('/') ? (lawName as string).split('/', 2) as [string, string] : ['default', lawName as string];
      const law = await this.laws.get({ namespace, name });
      if (!law) throw new ControlPlaneError('Invalid', `unknown law ${lawName}`, [{ field: 'law', message: `no preset or ScalingLaw named ${lawName}; presets: ${PRESET_NAMES.join(', ')}` }]);
      source = `${namespace}/${name}`;
      confidence = law.spec.fit.confidence;
      if (law.spec.preset) {
        const lawPreset = this.presets.get(law.spec.preset);
        if (!lawPreset) throw new ControlPlaneError('Invalid', `unknown preset ${law.spec.preset}`, [{ field: 'law', message: 'the law names an unknown preset' }]);
        mapping = lawPreset.mapping;
        usedMethod = lawPreset.method;
      } else {
        const picked = pickMethod(await this.core.fits.get({ namespace, name }), method, law.spec.fit.primaryMethod);
        if (!picked) throw new ControlPlaneError('Conflict', `ScalingLaw ${source} has no converged fit yet (${law.status?.runsSummary ?? '0/0'} runs finished)`);
        mapping = picked.mapping;
        samples = picked.samples;
        usedMethod = picked.summary.method;
      }
    }
    const allocation = allocateWithIntervals(mapping, samples, flops, confidence);
    let shape: unknown;
    try {
      shape = planShape(allocation.params, { tokenizer: 'byte', sequenceLength: 64 }).shape;
    } catch {
      shape = undefined;
    }
    return {
      flops,
      ...(hours !== undefined ? { acceleratorHours: { hours, accelerator, precision: precision ?? 'bf16', utilisation: utilisation ?? 0.4 } } : {}),
      law: source,
      method: usedMethod,
      params: allocation.params,
      tokens: allocation.tokens,
      tokensPerParam: allocation.tokens / allocation.params,
      paramsDisplay: humanCount(allocation.params),
      tokensDisplay: humanCount(allocation.tokens),
      ...(allocation.paramsInterval ? { paramsInterval: allocation.paramsInterval } : {}),
      ...(allocation.tokensInterval ? { tokensInterval: allocation.tokensInterval } : {}),
      ...(allocation.loss !== undefined ? { predictedLoss: allocation.loss } : {}),
      ...(allocation.lossInterval ? { predictedLossInterval: allocation.lossInterval } : {}),
      ...(shape ? { shape } : {}),
    };
  }
}
