import type { BusinessCalendar } from './calendar.js';
import type { SystemName } from './plan.js';

/**
 * Jeopardy: the risk that work misses its SLA, raised before the breach (../shared/spec/domain.md §5).
 */
export const JEOPARDY_LEVELS = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type JeopardyLevel = (typeof JEOPARDY_LEVELS)[number];

/** Fraction of the SLA elapsed at which each level is raised. */
export type JeopardyBands = Record<Exclude<JeopardyLevel, 'none'>, number>;
export const DEFAULT_BANDS: JeopardyBands = { low: 0.5, medium: 0.75, high: 0.9, critical: 1 };

export interface JeopardyPolicy {
  bands?: JeopardyBands;
  /** Working hours the SLAs count (none: every hour counts). */
  calendar?: BusinessCalendar;
}

export const rank = (level: JeopardyLevel) => JEOPARDY_LEVELS.indexOf(level);
export const maxLevel = (levels: JeopardyLevel[]): JeopardyLevel => levels.reduce<JeopardyLevel>((a, b) => (rank(b) > rank(a) ? b : a), 'none');

/** The next level above `current` and the SLA fraction that raises it, if any. */
export function nextBand(current: JeopardyLevel, bands: JeopardyBands = DEFAULT_BANDS): { level: JeopardyLevel; fraction: number } | undefined {
  const next = JEOPARDY_LEVELS[rank(current) + 1];
  return next && next !== 'none' ? { level: next, fraction: bands[next] } : undefined;
}

/** Who hears of a level: high tells the fulfilment manager, critical escalates. */
export function recipientOf(level: JeopardyLevel): string | undefined {
  if (level === 'high') return 'fulfilment_manager';
  if (level === 'critical') return 'escalation';
  return undefined;
}

/** One level change, recorded once. */
export interface JeopardyEvent {
  id: string;
  orderId: string;
  kind: 'task' | 'orderCommitment';
  orderItemId?: string;
  taskId?: string;
  taskName?: string;
  system?: SystemName;
  level: JeopardyLevel;
  previous: JeopardyLevel;
  slaMs?: number;
  elapsedMs?: number;
  at: string;
  message: string;
}
