import type { CharacteristicSpec, CharacteristicValue, Condition, ProductOffering } from './catalog.js';
import type { ProductOrderItemCreate } from './tmf622/schemas.js';

export type Characteristics = Record<string, CharacteristicValue>;

/** The item's characteristics as the customer sent them, with the offering's defaults filled in. */
export function resolveCharacteristics(item: Pick<ProductOrderItemCreate, 'product'>, offering: ProductOffering): Characteristics {
  const given = Object.fromEntries((item.product?.productCharacteristic ?? []).map((c) => [c.name, c.value as CharacteristicValue]));
  const defaults = Object.fromEntries(offering.characteristics.filter((c) => c.default !== undefined).map((c) => [c.name, c.default!]));
  return { ...defaults, ...given };
}

export const holds = (condition: Condition, values: Characteristics) => values[condition.characteristic] === condition.equals;

/** Why `value` does not fit `spec`, or undefined when it does. */
export function valueProblem(spec: CharacteristicSpec, value: unknown): string | undefined {
  const typeOk =
    spec.valueType === 'date' ? typeof value === 'string' && !Number.isNaN(Date.parse(value)) : typeof value === spec.valueType;
  if (!typeOk) return `must be a ${spec.valueType}`;
  if (spec.allowedValues && !spec.allowedValues.includes(value as CharacteristicValue)) {
    return `must be one of ${spec.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return undefined;
}
