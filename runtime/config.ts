import { z } from 'zod';

/**
 * Ordo's configuration, parsed once from the environment. A bad value fails at boot with a message
 * naming every offending variable (see `loadConfig`).
 */
const port = z.coerce.number().int().min(1).max(65535);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const configSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Public base URL used in `href`s; defaults to http://HOST:PORT. */
  PUBLIC_URL: z.url().optional(),

  DATABASE_URL: z.url().optional(),
  /** Folder for embedded state (PGlite, Temporal dev server file, dev keys). */
  DATA_DIR: z.string().min(1).default('.data'),

  TEMPORAL_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('ordo-orders'),
  TEMPORAL_TLS: flag.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: z.string().optional(),

  /**
   * Order workflows the worker keeps in memory (sticky cache). Beyond it the least recently used
   * are evicted and replayed from history when they next have work: memory stays bounded however
   * many orders wait (≈ 0.2 MiB each when measured, see bench B5).
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),

  /** Where jeopardy notifications (JeopardyAlert events) are POSTed, at least once. */
  NOTIFICATION_WEBHOOK_URL: z.url().optional(),

  /** `role:key,role:key` — keys accepted in addition to those stored in the database. */
  API_KEYS: z.string().optional(),
  /** Requests per minute per API key (per client IP without a key); `0` turns rate limiting off. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(6000),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(defined);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

export function publicUrl(config: Config): string {
  return (config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/$/, '');
}
