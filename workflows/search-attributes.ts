import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Typed search attributes every order workflow carries, so operators can find orders in the
 * Temporal UI (`OrderState = "held" AND OpenFallouts > 0`). They are registered when Ordo starts
 * the dev server; on a real cluster `npm run temporal:setup` registers them.
 */
export const OrderId = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);
export const CustomerId = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const OrderState = defineSearchAttributeKey('OrderState', SearchAttributeType.KEYWORD);
export const JeopardyLevel = defineSearchAttributeKey('JeopardyLevel', SearchAttributeType.KEYWORD);
export const OpenFallouts = defineSearchAttributeKey('OpenFallouts', SearchAttributeType.INT);
export const PonrReached = defineSearchAttributeKey('PonrReached', SearchAttributeType.BOOL);

export const ORDO_SEARCH_ATTRIBUTES = [OrderId, CustomerId, OrderState, JeopardyLevel, OpenFallouts, PonrReached];
