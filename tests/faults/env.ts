import { inject } from 'vitest';
import { findTemporalCli } from '../../runtime/temporal-cli.js';
import type { FaultEnv } from './harness.js';

/**
 * The fault scenarios' environment in the test run: the run's Temporal dev server and workflow
 * bundle, and its Postgres template database. Undefined without a Postgres server (the suite then
 * runs on PGlite, and the fault tests, which need worker processes sharing one database, are skipped).
 */
export function testFaultEnv(): FaultEnv | undefined {
  const templateDatabaseUrl = inject('postgresUrl');
  if (!templateDatabaseUrl) return undefined;
  // global-setup found or built it already.
  const temporalCli = findTemporalCli();
  if (!temporalCli) throw new Error('The Temporal CLI global-setup used is no longer found');
  return { temporalAddress: inject('temporalAddress'), temporalCli, bundlePath: inject('workflowBundlePath'), templateDatabaseUrl };
}

/** A seed for the scenario's random fault points: FAULT_SEED to replay a run, else a fresh one. */
export const faultSeed = () => Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 1_000_000));
