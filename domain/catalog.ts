import type { BusinessCalendar } from './calendar.js';
import type { ClassifierRule } from './fallout.js';
import type { JeopardyBands } from './jeopardy.js';
import type { DomainOrderKind, RetrySpec, SystemName, TaskType } from './plan.js';

/**
 * The product catalog: what can be ordered (offerings), what it is made of (specifications related
 * product → customer-facing services → resource-facing services → resources), the rules a
 * configuration must satisfy, and the task templates that fulfil each specification. An order in
 * flight keeps the plan it was decomposed into; later catalog changes do not touch it.
 */
export type CharacteristicValue = string | number | boolean;

export interface CharacteristicSpec {
  name: string;
  valueType: 'string' | 'number' | 'boolean' | 'date';
  allowedValues?: CharacteristicValue[];
  required?: boolean;
  default?: CharacteristicValue;
}

/** A condition on the item's characteristics (after defaults apply). */
export interface Condition {
  characteristic: string;
  equals: CharacteristicValue;
}

/** Configurator rules, checked when an order is submitted. */
export type ConfiguratorRule =
  | { id: string; kind: 'requires'; when: Condition; then: Condition; message?: string }
  | { id: string; kind: 'excludes'; when: Condition; then: Condition; message?: string }
  | { id: string; kind: 'cardinality'; min: number; max: number; message?: string };

export type ItemAction = 'add' | 'modify' | 'delete';

export interface TaskTemplate {
  id: string;
  name: string;
  type: TaskType;
  /** Templates of the same specification that must complete first. */
  predecessors?: string[];
  /** Item actions this task runs for (default: add). */
  actions?: ItemAction[];
  slaMs: number;
  retry?: Partial<RetrySpec>;
  system?: SystemName;
  operation?: string;
  undo?: string;
  mandatory?: boolean;
  isPonr?: boolean;
  assignmentGroup?: string;
  /** Working hours its SLA counts (e.g. field engineers); none: every hour counts. */
  calendar?: BusinessCalendar;
}

export interface SpecificationRelationship {
  specificationId: string;
  /** Only decomposed when the condition holds (exclusion rules on characteristics). */
  when?: Condition;
  /** One domain order per unit of the item's quantity (e.g. one router per unit). */
  perUnit?: boolean;
}

export interface Specification {
  id: string;
  name: string;
  kind: DomainOrderKind;
  relationships?: SpecificationRelationship[];
  tasks: TaskTemplate[];
}

/** Data a person must supply before approval (e.g. a site contact), as an item characteristic. */
export interface EnrichmentPolicy {
  characteristic: string;
  taskName: string;
  assignmentGroup: string;
}

export interface ProductOffering {
  id: string;
  name: string;
  description: string;
  category: string;
  /** The product specification this offering sells. */
  productSpecificationId: string;
  characteristics: CharacteristicSpec[];
  rules?: ConfiguratorRule[];
  enrichment?: EnrichmentPolicy[];
  /** One-off price, for change previews. */
  price?: { amount: number; currency: string };
}

export interface ApprovalPolicy {
  /** Orders whose `category` is listed here are approved without a manager. */
  autoApproveCategories: string[];
}

export interface Catalog {
  offerings: ProductOffering[];
  specifications: Specification[];
  approval: ApprovalPolicy;
  /**
   * How southbound failures are classified, first match wins (before the defaults of
   * domain/fallout.ts): retry them within the task's retry policy, or send them to fallout at once.
   */
  errorClassifier?: ClassifierRule[];
  /** Fractions of a task's SLA elapsed that raise each jeopardy level (default 50/75/90/100 %). */
  jeopardy?: { bands?: JeopardyBands };
}

export const DEFAULT_RETRY: RetrySpec = { maximumAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 30_000 };

const minutes = (n: number) => n * 60_000;
const hours = (n: number) => n * 3_600_000;

/** The demo catalog seeded by `npm start` (../shared/spec/domain.md §8). */
export const DEMO_CATALOG: Catalog = {
  approval: { autoApproveCategories: ['residential'] },
  errorClassifier: [
    { system: 'inventory', code: 'OUT_OF_STOCK', retryable: false, type: 'inventoryAllocation' },
    { system: 'cpe', code: 'DEVICE_BUSY', retryable: true },
  ],
  offerings: [
    {
      id: 'sdwan-service-package',
      name: 'SD-WAN Service Package',
      description: 'SD-WAN per site: controller service, edge CPE, optional security and WAN optimisation.',
      category: 'enterprise',
      productSpecificationId: 'sdwan-site',
      characteristics: [
        { name: 'siteName', valueType: 'string', required: true },
        { name: 'siteContact', valueType: 'string' },
        { name: 'bandwidthMbps', valueType: 'number', allowedValues: [50, 100, 200], default: 100 },
        { name: 'security', valueType: 'boolean', default: false },
        { name: 'wanOptimisation', valueType: 'boolean', default: false },
        { name: 'contractEndDate', valueType: 'date' },
      ],
      rules: [
        { id: 'one-site-per-item', kind: 'cardinality', min: 1, max: 1, message: 'an SD-WAN item is one site: order one item per site' },
        {
          id: 'wan-optimisation-needs-bandwidth',
          kind: 'excludes',
          when: { characteristic: 'wanOptimisation', equals: true },
          then: { characteristic: 'bandwidthMbps', equals: 50 },
          message: 'WAN optimisation needs at least 100 Mbps',
        },
      ],
      enrichment: [{ characteristic: 'siteContact', taskName: 'Provide the site contact', assignmentGroup: 'order-desk' }],
      price: { amount: 1200, currency: 'EUR' },
    },
    {
      id: 'internet-access',
      name: 'Internet Access',
      description: 'Internet access at 100 or 500 Mbps with a modem.',
      category: 'residential',
      productSpecificationId: 'internet-access',
      characteristics: [{ name: 'speedMbps', valueType: 'number', allowedValues: [100, 500], required: true }],
      rules: [{ id: 'one-line-per-item', kind: 'cardinality', min: 1, max: 1 }],
      price: { amount: 40, currency: 'EUR' },
    },
    {
      id: 'branch-router',
      name: 'Branch Router',
      description: 'Physical branch router, stock-tracked, ordered by quantity.',
      category: 'hardware',
      productSpecificationId: 'branch-router',
      characteristics: [{ name: 'model', valueType: 'string', allowedValues: ['BR-100', 'BR-500'], default: 'BR-100' }],
      rules: [{ id: 'router-quantity', kind: 'cardinality', min: 1, max: 50 }],
      price: { amount: 350, currency: 'EUR' },
    },
  ],
  specifications: [
    {
      id: 'sdwan-site',
      name: 'SD-WAN site',
      kind: 'product',
      relationships: [
        { specificationId: 'sdwan-controller-service' },
        { specificationId: 'sdwan-security-service', when: { characteristic: 'security', equals: true } },
        { specificationId: 'wan-optimisation-service', when: { characteristic: 'wanOptimisation', equals: true } },
      ],
      tasks: [{ id: 'start-billing', name: 'Start billing', type: 'automated', system: 'billing', operation: 'startBilling', undo: 'stopBilling', slaMs: minutes(30) }],
    },
    {
      id: 'sdwan-controller-service',
      name: 'SD-WAN controller service',
      kind: 'customerFacingService',
      relationships: [{ specificationId: 'sdwan-edge-connectivity' }],
      tasks: [{ id: 'register-site', name: 'Register site on controller', type: 'automated', system: 'network', operation: 'registerSite', undo: 'deregisterSite', slaMs: minutes(30) }],
    },
    {
      id: 'sdwan-edge-connectivity',
      name: 'SD-WAN edge connectivity',
      kind: 'resourceFacingService',
      relationships: [{ specificationId: 'edge-device' }],
      tasks: [{ id: 'provision-overlay', name: 'Provision overlay tunnels', type: 'automated', system: 'network', operation: 'provisionOverlay', undo: 'removeOverlay', slaMs: hours(1) }],
    },
    {
      id: 'edge-device',
      name: 'Edge device (CPE)',
      kind: 'resource',
      tasks: [
        { id: 'allocate', name: 'Allocate edge device', type: 'automated', system: 'inventory', operation: 'allocateDevice', undo: 'releaseDevice', slaMs: minutes(15) },
        { id: 'configure', name: 'Configure edge device', type: 'automated', system: 'cpe', operation: 'configureDevice', undo: 'resetDevice', predecessors: ['allocate'], slaMs: hours(1) },
        { id: 'ship', name: 'Ship edge device', type: 'automated', system: 'logistics', operation: 'shipDevice', predecessors: ['configure'], slaMs: hours(48) },
        { id: 'shipped', name: 'Device shipped (point of no return)', type: 'milestone', predecessors: ['ship'], isPonr: true, slaMs: 0 },
        { id: 'install', name: 'Install edge device on site', type: 'human', assignmentGroup: 'field-engineers', predecessors: ['shipped'], slaMs: hours(72) },
      ],
    },
    {
      id: 'sdwan-security-service',
      name: 'SD-WAN security service',
      kind: 'customerFacingService',
      tasks: [{ id: 'apply-policy', name: 'Apply security policy', type: 'automated', system: 'network', operation: 'applySecurityPolicy', undo: 'removeSecurityPolicy', slaMs: hours(1) }],
    },
    {
      id: 'wan-optimisation-service',
      name: 'WAN optimisation service',
      kind: 'customerFacingService',
      tasks: [{ id: 'enable-optimisation', name: 'Enable WAN optimisation', type: 'automated', system: 'network', operation: 'enableWanOptimisation', undo: 'disableWanOptimisation', slaMs: hours(1) }],
    },
    {
      id: 'internet-access',
      name: 'Internet access',
      kind: 'product',
      relationships: [{ specificationId: 'internet-service' }],
      tasks: [{ id: 'start-billing', name: 'Start billing', type: 'automated', system: 'billing', operation: 'startBilling', undo: 'stopBilling', slaMs: minutes(30) }],
    },
    {
      id: 'internet-service',
      name: 'Internet service',
      kind: 'customerFacingService',
      relationships: [{ specificationId: 'modem' }],
      tasks: [
        { id: 'activate-line', name: 'Activate line', type: 'automated', system: 'network', operation: 'activateLine', undo: 'deactivateLine', slaMs: hours(4) },
        { id: 'line-active', name: 'Line active (point of no return)', type: 'milestone', predecessors: ['activate-line'], isPonr: true, slaMs: 0 },
      ],
    },
    {
      id: 'modem',
      name: 'Modem',
      kind: 'resource',
      tasks: [
        { id: 'allocate', name: 'Allocate modem', type: 'automated', system: 'inventory', operation: 'allocateModem', undo: 'releaseModem', slaMs: minutes(15) },
        { id: 'configure', name: 'Configure modem', type: 'automated', system: 'cpe', operation: 'configureModem', undo: 'resetModem', predecessors: ['allocate'], slaMs: hours(1) },
      ],
    },
    {
      id: 'branch-router',
      name: 'Branch router',
      kind: 'product',
      relationships: [{ specificationId: 'router-unit', perUnit: true }],
      tasks: [{ id: 'start-billing', name: 'Start billing', type: 'automated', system: 'billing', operation: 'startBilling', undo: 'stopBilling', slaMs: minutes(30) }],
    },
    {
      id: 'router-unit',
      name: 'Router unit',
      kind: 'resource',
      tasks: [
        { id: 'reserve', name: 'Reserve router from stock', type: 'automated', system: 'inventory', operation: 'reserveStock', undo: 'releaseStock', slaMs: minutes(15) },
        { id: 'ship', name: 'Ship router', type: 'automated', system: 'logistics', operation: 'shipRouter', predecessors: ['reserve'], slaMs: hours(48) },
        { id: 'shipped', name: 'Router shipped (point of no return)', type: 'milestone', predecessors: ['ship'], isPonr: true, slaMs: 0 },
      ],
    },
  ],
};
