import { z } from 'zod';

/**
 * Run-time settings of one simulated southbound system: how slow it is, how often it fails
 * transiently, and failures scripted for the next calls. Strict: an unknown field is refused,
 * because a mistyped setting that is silently ignored makes a demo lie.
 */
export const scriptedFailureSchema = z.strictObject({
  /** How many of the next calls fail; each failing call consumes one. */
  count: z.number().int().min(0).max(10_000),
  code: z.string().min(1).max(100),
  message: z.string().max(1000).default('Scripted failure'),
  /** false: a business refusal that no retry will help. */
  retryable: z.boolean(),
  /** Only calls of this operation fail; any operation of the system when absent. */
  operation: z.string().min(1).max(100).optional(),
});

export const simulatorSettingsSchema = z.strictObject({
  latencyMs: z.number().int().min(0).max(600_000).default(0),
  /** Probability in [0, 1] that a call fails with a retryable SIMULATED_TRANSIENT error. */
  errorRate: z.number().min(0).max(1).default(0),
  failNext: scriptedFailureSchema.optional(),
});

export type ScriptedFailure = z.infer<typeof scriptedFailureSchema>;
export type SimulatorSettings = z.infer<typeof simulatorSettingsSchema>;

/** A system nobody has configured: instant, never failing. */
export const DEFAULT_SIMULATOR_SETTINGS: SimulatorSettings = { latencyMs: 0, errorRate: 0 };
