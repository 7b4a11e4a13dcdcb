import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type LogLevel, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import type { Config } from './config.js';

/** Connection settings for a Temporal cluster, from config (TLS and API key optional). */
export function temporalConnectionOptions(config: Config, address: string): ConnectionOptions {
  const tls =
    config.TEMPORAL_TLS || config.TEMPORAL_API_KEY
      ? {
          ...(config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH
            ? { clientCertPair: { crt: readFileSync(config.TEMPORAL_TLS_CERT_PATH), key: readFileSync(config.TEMPORAL_TLS_KEY_PATH) } }
            : {}),
          ...(config.TEMPORAL_TLS_CA_PATH ? { serverRootCACertificate: readFileSync(config.TEMPORAL_TLS_CA_PATH) } : {}),
        }
      : undefined;
  return { address, ...(tls ? { tls } : {}), ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}) };
}

export async function connectClient(options: ConnectionOptions, namespace: string): Promise<Client> {
  const connection = await Connection.connect(options);
  return new Client({ connection, namespace });
}

const SDK_LOG_LEVEL: Record<Config['LOG_LEVEL'], LogLevel> = {
  fatal: 'ERROR', error: 'ERROR', warn: 'WARN', info: 'WARN', debug: 'DEBUG', trace: 'TRACE', silent: 'ERROR',
};

/**
 * Configures the SDK runtime once per process: Ordo decides when to stop (no SDK signal handlers),
 * and the SDK's own chatter (bundler output) stays below our log level.
 */
export function installRuntime(level: Config['LOG_LEVEL']): void {
  Runtime.install({ logger: new DefaultLogger(SDK_LOG_LEVEL[level]), shutdownSignals: [] });
}

const here = dirname(fileURLToPath(import.meta.url));

/** The workflows' entry module, in source or compiled form (whichever is running). */
export const workflowsPath = () => {
  const ts = join(here, '..', 'workflows', 'index.ts');
  return existsSync(ts) ? ts : join(here, '..', 'workflows', 'index.js');
};

/** Bundles the workflow code for the worker's sandbox. Our sources import `./x.js` meaning `./x.ts`. */
export function bundleWorkflows() {
  return bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    logger: Runtime.instance().logger,
    webpackConfigHook: (config) => {
      config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
      return config;
    },
  });
}

/** A prebuilt bundle (written by `npm run build`) when one sits beside the compiled code. */
function prebuiltBundle(): WorkflowBundleOption | undefined {
  const codePath = join(here, '..', 'workflow-bundle.js');
  return existsSync(codePath) ? { codePath } : undefined;
}

export interface WorkerSettings {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle?: WorkflowBundleOption;
  /** Sticky cache size (WORKER_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows?: number;
}

/** Bounds worker memory with 10,000 orders parked (bench B5); the SDK's default grows with the heap. */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 1000;

export async function createWorker(settings: WorkerSettings): Promise<Worker> {
  const workflowBundle = settings.workflowBundle ?? prebuiltBundle() ?? { code: (await bundleWorkflows()).code };
  return Worker.create({
    connection: settings.connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    workflowBundle,
    maxCachedWorkflows: settings.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    activities: createActivities(settings.deps),
  });
}

export const connectWorker = (options: ConnectionOptions) =>
  NativeConnection.connect({ address: options.address, tls: options.tls, apiKey: options.apiKey } as Parameters<typeof NativeConnection.connect>[0]);
