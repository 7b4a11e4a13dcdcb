import type { BusinessCalendar } from './calendar.js';
import type { JeopardyLevel } from './jeopardy.js';

/**
 * The orchestration plan: each order item decomposed into domain orders (product → customer-facing
 * services → resource-facing services → resources), each with tasks forming one DAG per item.
 * Pure data and functions; built at decomposition and then owned by the item's workflow.
 */
export const SYSTEMS = ['inventory', 'network', 'cpe', 'logistics', 'billing'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export type DomainOrderKind = 'product' | 'customerFacingService' | 'resourceFacingService' | 'resource';
export type DomainOrderState = 'acknowledged' | 'inProgress' | 'held' | 'pending' | 'pendingCancellation' | 'cancelled' | 'completed' | 'failed';

export type TaskType = 'automated' | 'human' | 'milestone' | 'wait';
export type TaskState =
  | 'planned'
  | 'waiting'
  | 'ready'
  | 'inProgress'
  | 'completed'
  | 'fallout'
  | 'skipped'
  | 'cancelled'
  | 'onHold'
  | 'compensating'
  | 'compensated'
  | 'superseded';

export interface RetrySpec {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export interface DomainOrder {
  id: string;
  orderItemId: string;
  kind: DomainOrderKind;
  specificationId: string;
  name: string;
  parentId?: string;
  state: DomainOrderState;
}

export interface PlanTask {
  id: string;
  orderItemId: string;
  domainOrderId: string;
  templateId: string;
  name: string;
  type: TaskType;
  state: TaskState;
  predecessors: string[];
  mandatory: boolean;
  /** Completing this milestone sets the item's point of no return. */
  isPonr: boolean;
  slaMs: number;
  retry: RetrySpec;
  /** Automated tasks: the southbound call; `undo` is the compensating operation. */
  system?: SystemName;
  operation?: string;
  undo?: string;
  /** Human tasks: who works on it. */
  assignmentGroup?: string;
  /** What the task is told (characteristics of its domain order). */
  input: Record<string, unknown>;
  /** What the task produced (e.g. the serial of the modem allocated), kept for undo. */
  output?: Record<string, unknown>;
  /** Same key on every attempt of this task: southbound systems dedupe on it. */
  idempotencyKey: string;
  plannedStart?: string;
  plannedEnd?: string;
  actualStart?: string;
  actualEnd?: string;
  completedBy?: string;
  note?: string;
  error?: { code: string; message: string };
  /** Working hours the SLA counts, from the task template. */
  calendar?: BusinessCalendar;
  /** Current jeopardy level while the task is open. */
  jeopardyLevel?: JeopardyLevel;
}

export interface ItemPlan {
  orderItemId: string;
  domainOrders: DomainOrder[];
  tasks: PlanTask[];
}
