import type { ProductOffering } from './catalog.js';
import { checkConfiguration } from './configurator.js';
import type { FieldError } from './errors.js';
import { CUSTOMER_ROLE } from './order.js';
import type { ProductOrderCreate } from './tmf622/schemas.js';

/** What the submission rules need to know of the catalog. */
export interface OfferingLookup {
  offering(id: string): ProductOffering | undefined;
}

/**
 * Business rules a submission must satisfy beyond its shape. Returns every violation (empty when
 * valid) so the client can fix them all at once.
 */
export function checkSubmission(input: ProductOrderCreate, catalog: OfferingLookup): FieldError[] {
  const errors: FieldError[] = [];
  const customers = (input.relatedParty ?? []).filter((p) => p.role?.toLowerCase() === CUSTOMER_ROLE);
  if (customers.length !== 1) {
    errors.push({ path: 'relatedParty', rule: 'CUSTOMER_REQUIRED', message: `exactly one related party with role "${CUSTOMER_ROLE}" is required (found ${customers.length})` });
  }
  // Both are ISO-8601 with offsets: compare as instants, not as strings.
  if (input.requestedStartDate && input.requestedCompletionDate && Date.parse(input.requestedCompletionDate) < Date.parse(input.requestedStartDate)) {
    errors.push({ path: 'requestedCompletionDate', rule: 'DATES_ORDERED', message: 'must not be before requestedStartDate' });
  }

  const ids = new Set<string>();
  input.productOrderItem.forEach((item, index) => {
    const at = `productOrderItem[${index}]`;
    if (ids.has(item.id)) errors.push({ path: `${at}.id`, rule: 'ITEM_ID_UNIQUE', message: `duplicate item id "${item.id}"` });
    ids.add(item.id);

    const offeringId = item.productOffering?.id ?? item.product?.productOffering?.id;
    if (item.productOffering?.id && item.product?.productOffering?.id && item.productOffering.id !== item.product.productOffering.id) {
      errors.push({ path: `${at}.product.productOffering.id`, rule: 'OFFERING_CONSISTENT', message: `names offering "${item.product.productOffering.id}" but the item orders "${item.productOffering.id}"` });
    }
    if (item.action === 'add') {
      if (!offeringId) errors.push({ path: `${at}.productOffering`, rule: 'OFFERING_REQUIRED', message: 'an item that adds a product must name its productOffering' });
      if (item.product?.id) errors.push({ path: `${at}.product.id`, rule: 'NEW_PRODUCT_HAS_NO_ID', message: 'a product being added has no id yet' });
    } else if (!item.product?.id) {
      errors.push({ path: `${at}.product.id`, rule: 'PRODUCT_REFERENCE_REQUIRED', message: `action "${item.action}" must reference the existing product by id` });
    }
    const offering = offeringId ? catalog.offering(offeringId) : undefined;
    if (offeringId && !offering) {
      errors.push({ path: `${at}.productOffering.id`, rule: 'OFFERING_EXISTS', message: `unknown product offering "${offeringId}"` });
    }
    if (offering && item.action === 'add') {
      errors.push(...checkConfiguration(item, offering, at).map((e) => ({ ...e, message: `item "${item.id}": ${e.message}` })));
    }
  });

  input.productOrderItem.forEach((item, index) => {
    item.productOrderItemRelationship?.forEach((rel, r) => {
      if (!ids.has(rel.id)) {
        errors.push({ path: `productOrderItem[${index}].productOrderItemRelationship[${r}].id`, rule: 'RELATED_ITEM_EXISTS', message: `no item with id "${rel.id}" in this order` });
      } else if (rel.id === item.id) {
        errors.push({ path: `productOrderItem[${index}].productOrderItemRelationship[${r}].id`, rule: 'NO_SELF_RELATIONSHIP', message: 'an item cannot relate to itself' });
      }
    });
  });
  return errors;
}
