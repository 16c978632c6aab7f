/** The Redis both apps connect to when REDIS_URL is unset. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** pino's levels, accepted by LOG_LEVEL in both apps. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Reads settings from environment variables the same way in every app: an unset or empty variable takes its
 * default, and each bad value is recorded in `problems` (naming the variable, the value and what is accepted)
 * instead of thrown, so that one error can list them all (STYLE.md §6.4).
 */
export class EnvironmentReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  /** The raw value, or undefined when unset or empty. */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  text(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max = Number.POSITIVE_INFINITY): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    this.problem(name, raw, Number.isFinite(max) ? `an integer from ${min} to ${max}` : `an integer ≥ ${min}`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problem(name, raw, `one of ${allowed.join(', ')}`);
    return fallback;
  }

  /** REDIS_URL: redis:// or rediss://. */
  redisUrl(): string {
    const url = this.text('REDIS_URL', DEFAULT_REDIS_URL);
    if (!/^rediss?:\/\//.test(url)) this.problem('REDIS_URL', url, 'redis://host:port or rediss://…');
    return url;
  }

  /** A BullMQ key prefix: it becomes part of every Redis key, and BullMQ separates key parts with ':'. */
  queuePrefix(name: string, fallback: string): string {
    const prefix = this.text(name, fallback);
    if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) this.problem(name, prefix, "letters, digits, '_', '.', '-' (no ':')");
    return prefix;
  }

  /** Records a bad value found by the caller (e.g. a check across two variables). */
  problem(name: string, value: string | number, expected: string): void {
    this.problems.push(`${name}=${JSON.stringify(value)}: expected ${expected}`);
  }
}
