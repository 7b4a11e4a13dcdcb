import type { ProductOffering } from './catalog.js';
import { holds, resolveCharacteristics, valueProblem } from './characteristics.js';
import type { FieldError } from './errors.js';
import type { ProductOrderItemCreate } from './tmf622/schemas.js';

/**
 * Checks one item's configuration against its offering: known characteristics of the right type
 * and allowed values, required ones present (unless an enrichment task will ask for them), and the
 * offering's configurator rules (requires, excludes, cardinality). Returns every violation.
 */
export function checkConfiguration(item: ProductOrderItemCreate, offering: ProductOffering, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const specs = new Map(offering.characteristics.map((c) => [c.name, c]));
  (item.product?.productCharacteristic ?? []).forEach((c, i) => {
    const spec = specs.get(c.name);
    const path = `${at}.product.productCharacteristic[${i}]`;
    if (!spec) {
      errors.push({ path: `${path}.name`, rule: 'CHARACTERISTIC_KNOWN', message: `"${c.name}" is not a characteristic of ${offering.id} (known: ${[...specs.keys()].join(', ')})` });
      return;
    }
    const problem = valueProblem(spec, c.value);
    if (problem) errors.push({ path: `${path}.value`, rule: 'CHARACTERISTIC_VALUE', message: `${c.name} ${problem}` });
  });

  const values = resolveCharacteristics(item, offering);
  const enriched = new Set((offering.enrichment ?? []).map((e) => e.characteristic));
  for (const spec of offering.characteristics) {
    if (spec.required && values[spec.name] === undefined && !enriched.has(spec.name)) {
      errors.push({ path: `${at}.product.productCharacteristic`, rule: 'CHARACTERISTIC_REQUIRED', message: `${offering.id} needs characteristic "${spec.name}"` });
    }
  }

  for (const rule of offering.rules ?? []) {
    if (rule.kind === 'cardinality') {
      const quantity = item.quantity ?? 1;
      if (quantity < rule.min || quantity > rule.max) {
        errors.push({ path: `${at}.quantity`, rule: rule.id, message: rule.message ?? `quantity must be between ${rule.min} and ${rule.max}` });
      }
    } else if (holds(rule.when, values)) {
      const thenHolds = holds(rule.then, values);
      if (rule.kind === 'requires' ? !thenHolds : thenHolds) {
        const relation = rule.kind === 'requires' ? 'requires' : 'excludes';
        errors.push({
          path: `${at}.product.productCharacteristic`,
          rule: rule.id,
          message: rule.message ?? `${rule.when.characteristic}=${JSON.stringify(rule.when.equals)} ${relation} ${rule.then.characteristic}=${JSON.stringify(rule.then.equals)}`,
        });
      }
    }
  }
  return errors;
}
