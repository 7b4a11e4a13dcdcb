import { bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { ApprovalPolicy, ProductOffering, Specification } from '../domain/catalog.js';
import type { ProductOrder } from '../domain/order.js';
import type { ClassifierRule, Fallout } from '../domain/fallout.js';
import type { CancelProductOrder } from '../domain/cancellation.js';
import type { ChangeRequest } from '../domain/change-request.js';
import type { JeopardyEvent } from '../domain/jeopardy.js';
import type { DomainOrder, PlanTask } from '../domain/plan.js';

/**
 * The read model. Order rows are written only by the order workflow's projection activity
 * (upserts guarded by `revision`); the API reads them. Reference data (catalog, API keys) is
 * ordinary CRUD.
 */
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    externalId: text('external_id'),
    customerId: text('customer_id').notNull(),
    state: text('state').notNull(),
    subState: text('sub_state'),
    category: text('category'),
    orderDate: timestamp('order_date', { withTimezone: true }).notNull(),
    /** Projection sequence from the workflow: a row is only ever replaced by a newer one. */
    revision: integer('revision').notNull(),
    /** Hash of the submitted body, to refuse an Idempotency-Key reused for a different order. */
    requestHash: text('request_hash').notNull(),
    idempotencyKey: text('idempotency_key'),
    body: jsonb('body').$type<ProductOrder>().notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('orders_customer_external_id').on(t.customerId, t.externalId),
    index('orders_state').on(t.state),
    index('orders_order_date').on(t.orderDate),
  ],
);

export const orderTransitions = pgTable(
  'order_transitions',
  {
    orderId: text('order_id').notNull(),
    seq: integer('seq').notNull(),
    entity: text('entity').notNull(),
    entityId: text('entity_id').notNull(),
    fromState: text('from_state'),
    toState: text('to_state').notNull(),
    subState: text('sub_state'),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actor: text('actor').notNull(),
    reasonCode: text('reason_code').notNull(),
    reasonText: text('reason_text'),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.seq] })],
);

export const productOfferings = pgTable('product_offerings', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  body: jsonb('body').$type<ProductOffering>().notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const apiKeys = pgTable('api_keys', {
  /** Public id of the key (its hash prefix), safe to log and to record as an actor. */
  id: text('id').primaryKey(),
  role: text('role').notNull(),
  /** SHA-256 of the key; the key itself is never stored. */
  keyHash: text('key_hash').notNull().unique(),
  label: text('label'),
  createdAt: createdAt(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

export const productSpecifications = pgTable('product_specifications', {
  id: text('id').primaryKey(),
  kind: text('kind').notNull(),
  body: jsonb('body').$type<Specification>().notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Catalog-wide policies (one row each, e.g. `approval`). */
export const catalogPolicies = pgTable('catalog_policies', {
  id: text('id').primaryKey(),
  body: jsonb('body').$type<ApprovalPolicy | ClassifierRule[]>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Domain orders and plan tasks, projected by the item workflow that owns them. */
export const domainOrders = pgTable(
  'domain_orders',
  {
    id: text('id').notNull(),
    orderId: text('order_id').notNull(),
    orderItemId: text('order_item_id').notNull(),
    kind: text('kind').notNull(),
    state: text('state').notNull(),
    revision: integer('revision').notNull(),
    body: jsonb('body').$type<DomainOrder>().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.id] })],
);

export const planTasks = pgTable(
  'plan_tasks',
  {
    id: text('id').notNull(),
    orderId: text('order_id').notNull(),
    orderItemId: text('order_item_id').notNull(),
    domainOrderId: text('domain_order_id').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    state: text('state').notNull(),
    system: text('system'),
    assignmentGroup: text('assignment_group'),
    mandatory: boolean('mandatory').notNull(),
    isPonr: boolean('is_ponr').notNull(),
    revision: integer('revision').notNull(),
    body: jsonb('body').$type<PlanTask>().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.id] }), index('plan_tasks_state').on(t.state, t.type), index('plan_tasks_system').on(t.system)],
);

/** Product inventory: what the customer has once an item completes. */
export const products = pgTable('products', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull(),
  orderItemId: text('order_item_id').notNull(),
  customerId: text('customer_id').notNull(),
  offeringId: text('offering_id'),
  status: text('status').notNull(),
  body: jsonb('body').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** TMF622 /hub subscriptions: where to deliver events. */
export const hubSubscriptions = pgTable('hub_subscriptions', {
  id: text('id').primaryKey(),
  callback: text('callback').notNull(),
  query: text('query'),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
});

/**
 * Events to deliver, written in the same transaction as the state they describe (outbox).
 * `seq` orders them; delivery is per subscription, at least once, in order per order.
 */
export const eventOutbox = pgTable(
  'event_outbox',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    eventId: text('event_id').notNull().unique(),
    eventType: text('event_type').notNull(),
    orderId: text('order_id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('event_outbox_order').on(t.orderId, t.seq)],
);

/** Delivery state of each event for each subscription. */
export const eventDeliveries = pgTable(
  'event_deliveries',
  {
    subscriptionId: text('subscription_id').notNull(),
    eventSeq: integer('event_seq').notNull(),
    orderId: text('order_id').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    lastError: text('last_error'),
  },
  (t) => [primaryKey({ columns: [t.subscriptionId, t.eventSeq] }), index('event_deliveries_due').on(t.deliveredAt, t.nextAttemptAt)],
);

/** Run-time settings of each simulated southbound system (latency, errors, scripted failures). */
export const simulatorSystems = pgTable('simulator_systems', {
  system: text('system').primaryKey(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** What the simulator did, once per idempotency key: the proof that no effect happened twice. */
export const simulatorEffects = pgTable(
  'simulator_effects',
  {
    idempotencyKey: text('idempotency_key').primaryKey(),
    system: text('system').notNull(),
    operation: text('operation').notNull(),
    orderId: text('order_id').notNull(),
    orderItemId: text('order_item_id').notNull(),
    taskId: text('task_id').notNull(),
    input: jsonb('input').$type<Record<string, unknown>>().notNull(),
    output: jsonb('output').$type<Record<string, unknown>>().notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('simulator_effects_order').on(t.orderId)],
);

/** Fallout records, projected by the order workflow that owns them. */
export const fallouts = pgTable(
  'fallouts',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    orderItemId: text('order_item_id').notNull(),
    taskId: text('task_id').notNull(),
    type: text('type').notNull(),
    priority: integer('priority').notNull(),
    state: text('state').notNull(),
    system: text('system'),
    rootCauseKey: text('root_cause_key').notNull(),
    assignee: text('assignee'),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    revision: integer('revision').notNull(),
    body: jsonb('body').$type<Fallout>().notNull(),
  },
  (t) => [index('fallouts_state').on(t.state, t.system), index('fallouts_order').on(t.orderId), index('fallouts_root_cause').on(t.rootCauseKey, t.state)],
);

/** Operational switches per southbound system: a paused system's calls wait instead of failing. */
export const systemControls = pgTable('system_controls', {
  system: text('system').primaryKey(),
  paused: boolean('paused').notNull(),
  reason: text('reason'),
  changedBy: text('changed_by').notNull(),
  changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Jeopardy level changes, each recorded once, projected by the order workflow. */
export const jeopardies = pgTable(
  'jeopardies',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    orderItemId: text('order_item_id'),
    taskId: text('task_id'),
    system: text('system'),
    kind: text('kind').notNull(),
    level: text('level').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    body: jsonb('body').$type<JeopardyEvent>().notNull(),
  },
  (t) => [index('jeopardies_level').on(t.level, t.at), index('jeopardies_order').on(t.orderId)],
);

/** Who must hear of what (high → fulfilment manager, critical → escalation); also sent to the webhook. */
export const notifications = pgTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    recipient: text('recipient').notNull(),
    orderId: text('order_id').notNull(),
    taskId: text('task_id'),
    level: text('level').notNull(),
    message: text('message').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('notifications_recipient').on(t.recipient, t.createdAt)],
);

/** TMF622 CancelProductOrder resources, projected by the order workflow that assessed them. */
export const cancelProductOrders = pgTable(
  'cancel_product_orders',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    state: text('state').notNull(),
    revision: integer('revision').notNull(),
    body: jsonb('body').$type<CancelProductOrder>().notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('cancel_product_orders_order').on(t.orderId)],
);

export const changeRequests = pgTable(
  'change_requests',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    state: text('state').notNull(),
    revision: integer('revision').notNull(),
    body: jsonb('body').$type<ChangeRequest>().notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('change_requests_order').on(t.orderId, t.createdAt)],
);

/** The order as it stood at the end of each version a change request superseded. */
export const orderVersions = pgTable(
  'order_versions',
  {
    orderId: text('order_id').notNull(),
    version: integer('version').notNull(),
    body: jsonb('body').$type<ProductOrder>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.version] })],
);
