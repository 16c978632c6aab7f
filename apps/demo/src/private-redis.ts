import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A Redis the demo can use, and how to give it back. */
export interface DemoRedis {
  readonly url: string;
  /** True when the demo started its own redis-server. */
  readonly private: boolean;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when a Redis answers PING at `url` within `timeoutMs`. */
export async function redisReachable(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function findRedisServer(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

/** Installs redis-server with apt when that is possible (Debian/Ubuntu, as root); otherwise says what to install. */
function installRedisServer(report: (line: string) => void): string {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/etc/debian_version')) {
    report('redis-server is missing: installing it with apt-get (Debian, running as root)…');
    const update = spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    const install = spawnSync('apt-get', ['install', '-y', 'redis-server'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const path = findRedisServer();
    if (update.status === 0 && install.status === 0 && path) return path;
  }
  throw new Error(
    'No Redis is reachable at REDIS_URL and redis-server is not installed. Install Redis ≥ 6.2 ' +
      '(Debian/Ubuntu: "sudo apt-get install -y redis-server"; macOS: "brew install redis"; or "docker run -p 6379:6379 redis:7") ' +
      'and run the demo again, or point REDIS_URL at a running Redis.',
  );
}

/**
 * Redis for the demo: `REDIS_URL` (or the default localhost:6379) when it answers; otherwise a private
 * `redis-server --port <free> --save '' --appendonly no`, stopped by `stop()`.
 */
export async function acquireDemoRedis(envUrl: string | undefined, report: (line: string) => void): Promise<DemoRedis> {
  const url = envUrl || 'redis://127.0.0.1:6379';
  if (await redisReachable(url)) return { url, private: false, stop: async () => undefined };
  const binary = findRedisServer() ?? installRedisServer(report);
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const privateUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await redisReachable(privateUrl, 300)) {
      report(`No Redis at ${url}: started a private redis-server on port ${port} (stopped at the end)`);
      return {
        url: privateUrl,
        private: true,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`Started ${binary} on port ${port}, but it did not answer PING`);
}
