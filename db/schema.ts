import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { ProductOffering } from '../domain/catalog.js';
import type { ProductOrder } from '../domain/order.js';

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
