import { isIP } from 'node:net';
import type { Command } from 'commander';
import { startControlPlane } from '../../../control-plane/src/index.js';
import { CliUsageError } from '../cli-errors.js';

/** `scaleplan serve [--port P] [--bind ADDRESS] [--dispatch local|kubernetes]`: runs the control plane in the foreground. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the control plane (REST API, dashboard, scheduler, local workers); Redis from REDIS_URL')
    .option('--port <port>', 'HTTP port (default: $PORT or 8080)')
    .option('--bind <address>', 'address to listen on (default: $SCALEPLAN_BIND, else 127.0.0.1 locally and 0.0.0.0 in kubernetes mode)')
    .option('--dispatch <mode>', 'local (worker child processes) or kubernetes (default: $SCALEPLAN_DISPATCH or local)')
    .action(async (options: { port?: string; bind?: string; dispatch?: string }) => {
      const port = options.port === undefined ? undefined : Number(options.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535))
        throw new CliUsageError(`--port must be an integer from 0 to 65535, got ${options.port}`);
      if (options.dispatch !== undefined && !['local', 'kubernetes'].includes(options.dispatch)) {
        throw new CliUsageError(`--dispatch must be local or kubernetes, got ${options.dispatch}`);
      }
      if (options.bind !== undefined && isIP(options.bind) === 0 && options.bind !== 'localhost')
        throw new CliUsageError(`--bind must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::), got ${options.bind}`);
      const running = await startControlPlane({
        ...(port !== undefined ? { port } : {}),
        ...(options.bind !== undefined ? { host: options.bind } : {}),
        ...(options.dispatch ? { dispatch: options.dispatch as 'local' | 'kubernetes' } : {}),
        onLostLeadership: (reason) => {
          process.stderr.write(`scaleplan: the control plane stopped: ${reason}\n`);
          void running.close().finally(() => process.exit(1));
        },
      });
      process.stderr.write(
        `ScalePlan control plane at ${running.url} (API ${running.url}/api/v1, docs ${running.url}/docs, dashboard ${running.url}/)\n`,
      );
      if (running.config.dashboardTokenGenerated) process.stderr.write(`Dashboard token (generated): ${running.config.dashboardToken}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void running.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
