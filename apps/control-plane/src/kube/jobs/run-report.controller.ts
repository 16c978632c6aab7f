import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TRAINER_REPORT_FIELD, trainerReportSchema, type TrainingProgress } from '@scaleplan/contracts';
import { FLOPS_PER_PARAM_TOKEN } from '@scaleplan/scaling-laws';
import { Job } from 'bullmq';
import { Public } from '../../auth/index.js';
import { ControlPlaneError } from '../../control-plane.errors.js';
import { RUN_QUEUE } from '../../control-plane.tokens.js';
import type { RunQueue } from '../../scheduling/run-queue.js';
import type { RunReportStore } from './run-report-store.js';

/** DI token of the `RunReportStore` (dispatch mode jobs). */
export const RUN_REPORT_STORE = Symbol('RUN_REPORT_STORE');

const bearer = (header: string | undefined): string => /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '';

/**
 * Where trainers report (docs/trainer-contract.md): `POST /api/v1/runs/report` with the run's own token.
 * Not behind the dashboard token (`@Public`): the run token, valid for one attempt until it ends, is the
 * credential, and it can do nothing but report for that attempt.
 */
@ApiTags('runs')
@Public()
@Controller('api/v1/runs')
export class RunReportController {
  constructor(
    @Inject(RUN_REPORT_STORE) private readonly reports: RunReportStore,
    @Inject(RUN_QUEUE) private readonly queue: RunQueue,
  ) {}

  @Post('report')
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'A trainer reports progress ({"scaleplan":"progress",…}) or its result ({"scaleplan":"result",…}) with its run token',
  })
  async report(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<{ accepted: true }> {
    const claim = await this.reports.verify(bearer(authorization));
    if (!claim) throw new ControlPlaneError('Unauthorized', 'Unknown or expired run token: it is valid only while its run attempt lasts');
    const parsed = trainerReportSchema.safeParse(body);
    if (!parsed.success) {
      throw new ControlPlaneError(
        'Invalid',
        'Invalid trainer report',
        parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || TRAINER_REPORT_FIELD, message: issue.message })),
      );
    }
    const report = parsed.data;
    if (report[TRAINER_REPORT_FIELD] === 'result') {
      if (!(await this.reports.setResult(claim, report))) {
        throw new ControlPlaneError('Conflict', `Attempt ${claim.attempt} of this run already reported its result; only the first counts`);
      }
      return { accepted: true };
    }
    await this.reports.addProgress(claim, report);
    // Live progress for the status and the dashboard: the result collector reads the active job's progress.
    const job = await Job.fromId(this.queue.queue, claim.jobId);
    if (job && job.attemptsMade + 1 === claim.attempt) {
      const params = (job.data as { params?: number }).params ?? 0;
      const progress: TrainingProgress = {
        runId: claim.jobId.split('/').pop() ?? claim.jobId,
        step: report.step,
        totalSteps: report.totalSteps ?? report.step,
        tokens: report.tokens ?? 0,
        point: {
          step: report.step,
          tokens: report.tokens ?? 0,
          flops: FLOPS_PER_PARAM_TOKEN * params * (report.tokens ?? 0),
          ...(report.trainLoss !== undefined ? { trainLoss: report.trainLoss } : {}),
          ...(report.evalLoss !== undefined ? { evalLoss: report.evalLoss } : {}),
        },
      };
      await job.updateProgress(progress);
    }
    return { accepted: true };
  }
}
