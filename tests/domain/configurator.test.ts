import { describe, expect, it } from 'vitest';
import { DEMO_CATALOG } from '../../domain/catalog.js';
import { resolveCharacteristics } from '../../domain/characteristics.js';
import { checkConfiguration } from '../../domain/configurator.js';
import type { ProductOrderItemCreate } from '../../domain/tmf622/schemas.js';

const offering = (id: string) => DEMO_CATALOG.offerings.find((o) => o.id === id)!;
const item = (offeringId: string, characteristics: Record<string, unknown>, quantity?: number): ProductOrderItemCreate => ({
  id: '1',
  action: 'add',
  ...(quantity ? { quantity } : {}),
  productOffering: { id: offeringId },
  product: { productCharacteristic: Object.entries(characteristics).map(([name, value]) => ({ name, value })) },
});
const rules = (i: ProductOrderItemCreate) => checkConfiguration(i, offering(i.productOffering!.id!), 'productOrderItem[0]').map((e) => e.rule);

describe('checkConfiguration', () => {
  it('accepts valid demo configurations', () => {
    expect(rules(item('internet-access', { speedMbps: 500 }))).toEqual([]);
    expect(rules(item('sdwan-service-package', { siteName: 'Lyon', wanOptimisation: true, bandwidthMbps: 200 }))).toEqual([]);
    expect(rules(item('branch-router', {}, 12))).toEqual([]);
  });

  it('refuses unknown characteristics, wrong types and values outside the allowed set', () => {
    expect(rules(item('internet-access', { speedMbps: 250 }))).toEqual(['CHARACTERISTIC_VALUE']);
    expect(rules(item('internet-access', { speedMbps: '100' }))).toEqual(['CHARACTERISTIC_VALUE']);
    expect(rules(item('internet-access', { speedMbps: 100, colour: 'red' }))).toEqual(['CHARACTERISTIC_KNOWN']);
    expect(rules(item('sdwan-service-package', { siteName: 'Lyon', contractEndDate: 'soon' }))).toEqual(['CHARACTERISTIC_VALUE']);
  });

  it('requires required characteristics, except those an enrichment task will ask for', () => {
    expect(rules(item('internet-access', {}))).toEqual(['CHARACTERISTIC_REQUIRED']);
    // siteContact is not required; siteName is.
    expect(rules(item('sdwan-service-package', {}))).toEqual(['CHARACTERISTIC_REQUIRED']);
  });

  it('applies excludes rules on the values after defaults', () => {
    const errors = checkConfiguration(item('sdwan-service-package', { siteName: 'Lyon', wanOptimisation: true, bandwidthMbps: 50 }), offering('sdwan-service-package'), 'productOrderItem[0]');
    expect(errors).toEqual([{ path: 'productOrderItem[0].product.productCharacteristic', rule: 'wan-optimisation-needs-bandwidth', message: 'WAN optimisation needs at least 100 Mbps' }]);
  });

  it('applies requires rules', () => {
    const custom = { ...offering('internet-access'), rules: [{ id: 'fast-needs-static', kind: 'requires' as const, when: { characteristic: 'speedMbps', equals: 500 }, then: { characteristic: 'staticIp', equals: true } }] };
    custom.characteristics = [...custom.characteristics, { name: 'staticIp', valueType: 'boolean', default: false }];
    expect(checkConfiguration(item('internet-access', { speedMbps: 500 }), custom, 'x').map((e) => e.message)).toEqual(['speedMbps=500 requires staticIp=true']);
    expect(checkConfiguration(item('internet-access', { speedMbps: 500, staticIp: true }), custom, 'x')).toEqual([]);
  });

  it('applies cardinality to the quantity', () => {
    expect(rules(item('branch-router', {}, 51))).toEqual(['router-quantity']);
    expect(rules(item('sdwan-service-package', { siteName: 'Lyon' }, 2))).toEqual(['one-site-per-item']);
  });

  it('fills defaults under the given values', () => {
    expect(resolveCharacteristics(item('sdwan-service-package', { siteName: 'Lyon', security: true }), offering('sdwan-service-package'))).toEqual({
      siteName: 'Lyon',
      security: true,
      wanOptimisation: false,
      bandwidthMbps: 100,
    });
  });
});
