/**
 * Product catalog: what can be ordered. Issue "Order orchestration" grows this into specifications,
 * relationships, rules and task templates; today it names the orderable offerings and their
 * characteristics so submissions can be checked against it.
 */
export interface CharacteristicSpec {
  name: string;
  valueType: 'string' | 'number' | 'boolean';
  allowedValues?: Array<string | number | boolean>;
  required?: boolean;
  default?: string | number | boolean;
}

export interface ProductOffering {
  id: string;
  name: string;
  description: string;
  /** Category used by order-level policies (e.g. auto-approval). */
  category: 'enterprise' | 'residential' | 'hardware';
  productSpecificationId: string;
  characteristics: CharacteristicSpec[];
}

/** The demo catalog seeded by `npm start` (../shared/spec/domain.md §8). */
export const DEMO_CATALOG: ProductOffering[] = [
  {
    id: 'sdwan-service-package',
    name: 'SD-WAN Service Package',
    description: 'SD-WAN per site: controller service, edge CPE, optional security and WAN optimisation.',
    category: 'enterprise',
    productSpecificationId: 'sdwan-site',
    characteristics: [
      { name: 'siteName', valueType: 'string', required: true },
      { name: 'security', valueType: 'boolean', default: false },
      { name: 'wanOptimisation', valueType: 'boolean', default: false },
    ],
  },
  {
    id: 'internet-access',
    name: 'Internet Access',
    description: 'Internet access at 100 or 500 Mbps with a modem.',
    category: 'residential',
    productSpecificationId: 'internet-access',
    characteristics: [{ name: 'speedMbps', valueType: 'number', allowedValues: [100, 500], required: true }],
  },
  {
    id: 'branch-router',
    name: 'Branch Router',
    description: 'Physical branch router, stock-tracked, ordered by quantity.',
    category: 'hardware',
    productSpecificationId: 'branch-router',
    characteristics: [],
  },
];
