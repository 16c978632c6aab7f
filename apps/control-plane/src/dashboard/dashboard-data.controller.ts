import { Controller, Get, Inject, NotFoundException, Param, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ScalingLaw } from '@scaleplan/contracts';
import type { Response } from 'express';
import { BearerAuthGuard } from '../auth/bearer-auth.guard.js';
import { PRESET_CATALOG } from '../control-plane.tokens.js';
import { FitStore } from '../planning/fit-store.js';
import type { PresetCatalog } from '../planning/presets.js';
import type { ResourceStore } from '../resources/resource-store.js';
import { SCALING_LAW_STORE } from '../resources/resource-store.tokens.js';
import { RunStore } from '../scheduling/run-store.js';
import { fitsCsv, fitsJson, runsCsv } from './study-exports.js';
import { buildStudyPlots, type PresetLine, type StudyPlots } from './study-plots.js';

/** Published laws drawn on every frontier for comparison. */
export const COMPARISON_PRESETS = ['chinchilla-2022', 'epoch-2024'] as const;

/** Plot data and exports of a study, computed on the server with the control plane's own numerics. */
@ApiTags('dashboard')
@ApiBearerAuth()
@Controller('dashboard/api')
@UseGuards(BearerAuthGuard)
export class DashboardDataController {
  constructor(
    @Inject(SCALING_LAW_STORE) private readonly laws: ResourceStore<ScalingLaw>,
    @Inject(RunStore) private readonly runs: RunStore,
    @Inject(FitStore) private readonly fits: FitStore,
    @Inject(PRESET_CATALOG) private readonly presets: PresetCatalog,
  ) {}

  private async study(namespace: string, name: string): Promise<ScalingLaw> {
    const law = await this.laws.get({ namespace, name });
    if (!law) throw new NotFoundException(`ScalingLaw ${namespace}/${name} not found`);
    return law;
  }

  @Get('studies/:namespace/:name/plots')
  @ApiOperation({ summary: 'IsoFLOP profiles with parabolas, frontier lines with bootstrap bands and presets, iso-loss contours' })
  async plots(@Param('namespace') namespace: string, @Param('name') name: string): Promise<StudyPlots> {
    const ref = { namespace, name };
    const [study, runs, fit] = await Promise.all([this.study(namespace, name), this.runs.list('ScalingLaw', ref), this.fits.get(ref)]);
    const presets = COMPARISON_PRESETS.flatMap((preset): PresetLine[] => {
      const law = this.presets.get(preset);
      return law ? [{ name: preset, fitted: law.fitted }] : [];
    });
    return buildStudyPlots({ study, runs, fit, presets });
  }

  @Get('studies/:namespace/:name/runs.csv')
  @ApiOperation({ summary: 'Runs of a study as CSV' })
  async runsCsv(@Param('namespace') namespace: string, @Param('name') name: string, @Res() response: Response): Promise<void> {
    await this.study(namespace, name);
    const runs = await this.runs.list('ScalingLaw', { namespace, name });
    attachment(response, `${name}-runs.csv`).type('text/csv; charset=utf-8').send(runsCsv(runs));
  }

  @Get('studies/:namespace/:name/runs.json')
  @ApiOperation({ summary: 'Runs of a study with their loss curves as JSON' })
  async runsJson(@Param('namespace') namespace: string, @Param('name') name: string, @Res() response: Response): Promise<void> {
    const study = await this.study(namespace, name);
    const runs = await this.runs.listWithCurves('ScalingLaw', { namespace, name });
    const simulated = study.status?.simulated ?? study.spec.sweep?.simulate !== undefined;
    attachment(response, `${name}-runs.json`).json({ study: { namespace, name }, simulated, items: runs });
  }

  @Get('studies/:namespace/:name/fits.csv')
  @ApiOperation({ summary: 'Latest fit per method as CSV' })
  async fitsCsv(@Param('namespace') namespace: string, @Param('name') name: string, @Res() response: Response): Promise<void> {
    attachment(response, `${name}-fits.csv`)
      .type('text/csv; charset=utf-8')
      .send(fitsCsv(await this.study(namespace, name)));
  }

  @Get('studies/:namespace/:name/fits.json')
  @ApiOperation({ summary: 'Fits, fit history and excluded runs as JSON' })
  async fitsJson(@Param('namespace') namespace: string, @Param('name') name: string, @Res() response: Response): Promise<void> {
    attachment(response, `${name}-fits.json`).json(fitsJson(await this.study(namespace, name)));
  }
}

function attachment(response: Response, fileName: string): Response {
  return response
    .setHeader('Content-Disposition', `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
    .setHeader('Cache-Control', 'no-store');
}
