import { describe, expect, it } from 'vitest';
import { DEMO_CATALOG } from '../../domain/catalog.js';
import { decomposeItem } from '../../domain/decompose.js';
import type { ProductOrderItem } from '../../domain/order.js';

const sdwanSite = (characteristics: Record<string, unknown>): ProductOrderItem => ({
  id: '1',
  action: 'add',
  quantity: 1,
  state: 'acknowledged',
  productOffering: { id: 'sdwan-service-package' },
  product: { productCharacteristic: Object.entries(characteristics).map(([name, value]) => ({ name, value })) },
});

describe('decomposeItem', () => {
  it('decomposes an SD-WAN site into product, service and resource orders', () => {
    const plan = decomposeItem('O1', sdwanSite({ siteName: 'Lyon', security: true, wanOptimisation: true }), DEMO_CATALOG);
    expect(plan.domainOrders.map((d) => [d.id, d.kind, d.parentId])).toEqual([
      ['1/sdwan-site', 'product', undefined],
      ['1/sdwan-site/sdwan-controller-service', 'customerFacingService', '1/sdwan-site'],
      ['1/sdwan-site/sdwan-controller-service/sdwan-edge-connectivity', 'resourceFacingService', '1/sdwan-site/sdwan-controller-service'],
      ['1/sdwan-site/sdwan-controller-service/sdwan-edge-connectivity/edge-device', 'resource', '1/sdwan-site/sdwan-controller-service/sdwan-edge-connectivity'],
      ['1/sdwan-site/sdwan-security-service', 'customerFacingService', '1/sdwan-site'],
      ['1/sdwan-site/wan-optimisation-service', 'customerFacingService', '1/sdwan-site'],
    ]);
  });

  it('drops the branches whose condition does not hold (no WAN optimisation when not selected)', () => {
    const plan = decomposeItem('O1', sdwanSite({ siteName: 'Lyon' }), DEMO_CATALOG);
    expect(plan.domainOrders.map((d) => d.specificationId)).not.toContain('wan-optimisation-service');
    expect(plan.domainOrders.map((d) => d.specificationId)).not.toContain('sdwan-security-service');
    expect(plan.tasks.map((t) => t.operation ?? t.templateId)).not.toContain('enableWanOptimisation');
  });

  it('orders tasks bottom-up: resources, then the services on them, then the product', () => {
    const plan = decomposeItem('O1', sdwanSite({ siteName: 'Lyon', security: true }), DEMO_CATALOG);
    const byTemplate = (domain: string, template: string) => plan.tasks.find((t) => t.domainOrderId.endsWith(domain) && t.templateId === template)!;
    const edge = '/edge-device';
    expect(byTemplate(edge, 'allocate').predecessors).toEqual([]);
    expect(byTemplate(edge, 'configure').predecessors).toEqual([byTemplate(edge, 'allocate').id]);
    expect(byTemplate('/sdwan-edge-connectivity', 'provision-overlay').predecessors).toEqual([byTemplate(edge, 'install').id]);
    expect(byTemplate('/sdwan-controller-service', 'register-site').predecessors).toEqual([byTemplate('/sdwan-edge-connectivity', 'provision-overlay').id]);
    expect(byTemplate('/sdwan-security-service', 'apply-policy').predecessors).toEqual([]);
    expect(byTemplate('/sdwan-site', 'start-billing').predecessors.sort()).toEqual(
      [byTemplate('/sdwan-controller-service', 'register-site').id, byTemplate('/sdwan-security-service', 'apply-policy').id].sort(),
    );
    expect(byTemplate(edge, 'shipped')).toMatchObject({ type: 'milestone', isPonr: true });
    expect(byTemplate(edge, 'install')).toMatchObject({ type: 'human', assignmentGroup: 'field-engineers' });
  });

  it('gives every task a stable idempotency key and the characteristics as input', () => {
    const a = decomposeItem('O1', sdwanSite({ siteName: 'Lyon' }), DEMO_CATALOG);
    const b = decomposeItem('O1', sdwanSite({ siteName: 'Lyon' }), DEMO_CATALOG);
    expect(a).toEqual(b);
    const keys = a.tasks.map((t) => t.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(a.tasks[0]!.input).toMatchObject({ siteName: 'Lyon', bandwidthMbps: 100, quantity: 1, offeringId: 'sdwan-service-package' });
  });

  it('multiplies per-unit domain orders by the quantity', () => {
    const routers: ProductOrderItem = { id: '7', action: 'add', quantity: 3, state: 'acknowledged', productOffering: { id: 'branch-router' } };
    const plan = decomposeItem('O1', routers, DEMO_CATALOG);
    expect(plan.domainOrders.filter((d) => d.kind === 'resource').map((d) => d.id)).toEqual([
      '7/branch-router/router-unit#1',
      '7/branch-router/router-unit#2',
      '7/branch-router/router-unit#3',
    ]);
    const billing = plan.tasks.find((t) => t.templateId === 'start-billing')!;
    expect(billing.predecessors).toEqual(['7/branch-router/router-unit#1:shipped', '7/branch-router/router-unit#2:shipped', '7/branch-router/router-unit#3:shipped']);
  });

  it('plans no tasks for actions the templates do not cover', () => {
    const modify: ProductOrderItem = { id: '2', action: 'modify', state: 'acknowledged', productOffering: { id: 'internet-access' }, product: { id: 'PRD-1' } };
    expect(decomposeItem('O1', modify, DEMO_CATALOG).tasks).toEqual([]);
  });
});
