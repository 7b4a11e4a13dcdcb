import { randomUUID } from 'node:crypto';
import type { ProductOrderCreate } from '../../domain/tmf622/schemas.js';

export const PRODUCT_ORDER_PATH = '/tmf-api/productOrderingManagement/v4/productOrder';

/** A unique customer per test, so tests sharing a database never see each other's orders. */
export const newCustomerId = () => `CUST-${randomUUID().slice(0, 8)}`;

/** A valid internet-access order for `customerId` (demo catalog), with a unique externalId. */
export function internetOrder(customerId = newCustomerId(), overrides: Partial<ProductOrderCreate> = {}): ProductOrderCreate {
  return {
    externalId: `PO-${randomUUID()}`,
    category: 'business',
    relatedParty: [{ id: customerId, role: 'customer', '@referredType': 'Individual' }],
    productOrderItem: [
      {
        id: '1',
        action: 'add',
        quantity: 1,
        productOffering: { id: 'internet-access' },
        product: { productCharacteristic: [{ name: 'speedMbps', value: 100 }] },
      },
    ],
    ...overrides,
  };
}
