import { TRAINER_REPORT_FIELD, type TrainerProgressReport, type TrainerResultReport } from '@scaleplan/contracts';
import type { Logger } from 'pino';

/** Where a single run's reports go: the JSON lines of the contract, and a POST when a report URL and token are given. */
export interface ReportTarget {
  /** `SCALEPLAN_REPORT_URL`: the full endpoint; '' = lines only. */
  readonly url: string;
  /** `SCALEPLAN_RUN_TOKEN` */
  readonly token: string;
}

type Post = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

/**
 * Reports a run the way docs/trainer-contract.md asks any trainer to: every report is printed as one JSON line
 * on stdout (the control plane reads them from the log when nothing was POSTed), and POSTed when the run has a
 * report URL. A failed POST is not fatal: the line is there.
 */
export class ReportSink {
  constructor(
    private readonly target: ReportTarget,
    private readonly log: Logger,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly post: Post = fetch,
  ) {}

  async progress(report: Omit<TrainerProgressReport, typeof TRAINER_REPORT_FIELD>): Promise<void> {
    await this.send({ [TRAINER_REPORT_FIELD]: 'progress', ...report });
  }

  async result(report: Omit<TrainerResultReport, typeof TRAINER_REPORT_FIELD>): Promise<void> {
    await this.send({ [TRAINER_REPORT_FIELD]: 'result', ...report });
  }

  private async send(report: TrainerProgressReport | TrainerResultReport): Promise<void> {
    const line = JSON.stringify(report);
    await new Promise<void>((resolve) => this.out.write(`${line}\n`, () => resolve()));
    if (!this.target.url || !this.target.token) return;
    try {
      const response = await this.post(this.target.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.target.token}`, 'content-type': 'application/json' },
        body: line,
      });
      if (!response.ok)
        this.log.warn({ status: response.status, body: (await response.text()).slice(0, 300) }, 'Failed to POST run report');
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'Failed to POST run report');
    }
  }
}
