import { z } from 'zod';

/**
 * TMF622 v4 request bodies as zod schemas, following
 * ../shared/spec/tmf622-product-ordering-v4.swagger.json. Objects are strict: an unknown field is
 * a 400 naming it, because a silently ignored typo in an order is worse than a refusal.
 * Used at the API edge only; workflow code imports the inferred *types*, never this module.
 */
export const dateTime = z.iso.datetime({ offset: true });
const text = z.string().max(4096);
const id = z.string().min(1).max(255);

const polymorphic = {
  '@type': z.string().max(255).optional(),
  '@baseType': z.string().max(255).optional(),
  '@schemaLocation': z.url().optional(),
};

/** A reference to another entity (AgreementRef, BillingAccountRef, ProductOfferingRef, …). */
const entityRef = (required: 'id' | 'none' = 'id') =>
  z.strictObject({
    id: required === 'id' ? id : id.optional(),
    href: z.string().max(2048).optional(),
    name: text.optional(),
    '@referredType': z.string().max(255).optional(),
    ...polymorphic,
  });

export const relatedPartySchema = z.strictObject({
  id,
  href: z.string().max(2048).optional(),
  name: text.optional(),
  role: z.string().max(255).optional(),
  '@referredType': z.string().max(255),
  ...polymorphic,
});

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string().max(4096), z.number(), z.boolean(), z.null(), z.array(jsonValue).max(100), z.record(z.string().max(255), jsonValue)]),
);

export const characteristicSchema = z.strictObject({
  id: id.optional(),
  name: z.string().min(1).max(255),
  valueType: z.string().max(255).optional(),
  value: jsonValue,
  ...polymorphic,
});


const money = z.strictObject({ unit: z.string().max(16).optional(), value: z.number().optional() });

const priceSchema = z.strictObject({
  dutyFreeAmount: money.optional(),
  percentage: z.number().optional(),
  taxIncludedAmount: money.optional(),
  taxRate: z.number().optional(),
  ...polymorphic,
});

const priceAlteration = z.strictObject({
  applicationDuration: z.number().int().optional(),
  description: text.optional(),
  name: text.optional(),
  priceType: z.string().max(255),
  priority: z.number().int().optional(),
  recurringChargePeriod: z.string().max(255).optional(),
  unitOfMeasure: z.string().max(255).optional(),
  price: priceSchema,
  productOfferingPrice: entityRef().optional(),
  ...polymorphic,
});

export const orderPriceSchema = z.strictObject({
  description: text.optional(),
  name: text.optional(),
  priceType: z.string().max(255).optional(),
  recurringChargePeriod: z.string().max(255).optional(),
  unitOfMeasure: z.string().max(255).optional(),
  billingAccount: entityRef().optional(),
  price: priceSchema.optional(),
  priceAlteration: z.array(priceAlteration).max(50).optional(),
  productOfferingPrice: entityRef().optional(),
  ...polymorphic,
});

export const placeSchema = z.strictObject({
  id: id.optional(),
  href: z.string().max(2048).optional(),
  name: text.optional(),
  role: z.string().max(255),
  '@referredType': z.string().max(255).optional(),
  ...polymorphic,
});

export const noteSchema = z.strictObject({
  id: id.optional(),
  author: text.optional(),
  date: dateTime.optional(),
  text: text,
  ...polymorphic,
});

/** ProductRefOrValue: the product to create (by value) or change (by reference, `id`). */
export const productSchema = z.strictObject({
  id: id.optional(),
  href: z.string().max(2048).optional(),
  description: text.optional(),
  isBundle: z.boolean().optional(),
  isCustomerVisible: z.boolean().optional(),
  name: text.optional(),
  productSerialNumber: z.string().max(255).optional(),
  startDate: dateTime.optional(),
  terminationDate: dateTime.optional(),
  place: z.array(placeSchema).max(20).optional(),
  productCharacteristic: z.array(characteristicSchema).max(200).optional(),
  productOffering: entityRef().optional(),
  productSpecification: entityRef().extend({ version: z.string().max(64).optional() }).optional(),
  relatedParty: z.array(relatedPartySchema).max(20).optional(),
  ...polymorphic,
});

const itemRelationship = z.strictObject({
  id,
  relationshipType: z.string().min(1).max(255),
  ...polymorphic,
});

export const ORDER_ITEM_ACTIONS = ['add', 'modify', 'delete', 'noChange'] as const;

export const productOrderItemSchema = z.strictObject({
  id,
  action: z.enum(ORDER_ITEM_ACTIONS),
  quantity: z.number().int().min(1).max(10_000).optional(),
  appointment: entityRef().optional(),
  billingAccount: entityRef().optional(),
  itemPrice: z.array(orderPriceSchema).max(50).optional(),
  itemTerm: z
    .array(z.strictObject({ name: text.optional(), description: text.optional(), duration: z.strictObject({ amount: z.number().int().optional(), units: z.string().max(32).optional() }).optional(), ...polymorphic }))
    .max(20)
    .optional(),
  itemTotalPrice: z.array(orderPriceSchema).max(50).optional(),
  payment: z.array(entityRef()).max(20).optional(),
  product: productSchema.optional(),
  productOffering: entityRef().optional(),
  productOfferingQualificationItem: entityRef().optional(),
  productOrderItemRelationship: z.array(itemRelationship).max(50).optional(),
  qualification: z.array(entityRef()).max(20).optional(),
  quoteItem: entityRef().optional(),
  ...polymorphic,
});

/** ProductOrder_Create: what a client may send; server-owned fields (id, state, dates) are refused. */
export const productOrderCreateSchema = z.strictObject({
  externalId: z.string().min(1).max(255).optional(),
  category: z.string().max(255).optional(),
  description: text.optional(),
  notificationContact: text.optional(),
  priority: z.enum(['0', '1', '2', '3', '4']).optional(),
  requestedCompletionDate: dateTime.optional(),
  requestedStartDate: dateTime.optional(),
  agreement: z.array(entityRef()).max(20).optional(),
  billingAccount: entityRef().optional(),
  channel: z.array(z.strictObject({ id, href: z.string().max(2048).optional(), name: text.optional(), role: z.string().max(255).optional(), '@referredType': z.string().max(255).optional(), ...polymorphic })).max(20).optional(),
  note: z.array(noteSchema).max(100).optional(),
  orderTotalPrice: z.array(orderPriceSchema).max(50).optional(),
  payment: z.array(entityRef()).max(20).optional(),
  productOfferingQualification: z.array(entityRef()).max(20).optional(),
  productOrderItem: z.array(productOrderItemSchema).min(1).max(500),
  quote: z.array(entityRef()).max(20).optional(),
  relatedParty: z.array(relatedPartySchema).max(20).optional(),
  ...polymorphic,
});

export type ProductOrderCreate = z.infer<typeof productOrderCreateSchema>;
export type ProductOrderItemCreate = z.infer<typeof productOrderItemSchema>;
export type Characteristic = z.infer<typeof characteristicSchema>;
export type RelatedParty = z.infer<typeof relatedPartySchema>;
