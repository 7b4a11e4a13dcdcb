import { describe, expect, it } from 'vitest';
import { classifyFailure, DEFAULT_CLASSIFIER } from '../../domain/fallout.js';

describe('classifyFailure', () => {
  const failure = (over: Partial<Parameters<typeof classifyFailure>[0]> = {}) => ({ system: 'cpe' as const, code: 'X', message: 'boom', retryable: true, ...over });

  it("keeps the adapter's verdict when no rule matches, typing the fallout by system", () => {
    expect(classifyFailure(failure(), [])).toEqual({ retryable: true, type: 'provisioning' });
    expect(classifyFailure(failure({ system: 'logistics', retryable: false }), [])).toEqual({ retryable: false, type: 'shipping' });
    expect(classifyFailure(failure({ system: 'inventory' }), [])).toEqual({ retryable: true, type: 'inventoryAllocation' });
  });

  it('lets the first matching rule decide, by system, code and message pattern', () => {
    const rules = [
      { system: 'cpe' as const, code: 'BUSY', retryable: true },
      { code: 'X', messagePattern: 'quota', retryable: false, type: 'externalBusiness' as const },
      { code: 'X', retryable: true, type: 'other' as const },
    ];
    expect(classifyFailure(failure({ code: 'BUSY', retryable: false }), rules)).toEqual({ retryable: true, type: 'provisioning' });
    expect(classifyFailure(failure({ message: 'Quota exceeded' }), rules)).toEqual({ retryable: false, type: 'externalBusiness' });
    expect(classifyFailure(failure({ message: 'other' }), rules)).toEqual({ retryable: true, type: 'other' });
    expect(classifyFailure(failure({ system: 'network', code: 'BUSY', retryable: false }), rules)).toEqual({ retryable: false, type: 'provisioning' });
  });

  it('by default retries timeouts and parks data errors at once', () => {
    expect(classifyFailure(failure({ code: 'TIMEOUT', retryable: false }), DEFAULT_CLASSIFIER)).toEqual({ retryable: true, type: 'timeout' });
    expect(classifyFailure(failure({ message: 'invalid VLAN id' }), DEFAULT_CLASSIFIER)).toEqual({ retryable: false, type: 'data' });
  });
});
