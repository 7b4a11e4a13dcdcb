import { describe, expect, it } from 'vitest';
import type { ItemStateType, OrderStateType } from '../../domain/order.js';
import { rollUpOrder } from '../../domain/rollup.js';
import { schedulePlan } from '../../domain/schedule.js';
import { DEMO_CATALOG } from '../../domain/catalog.js';
import { decomposeItem } from '../../domain/decompose.js';

describe('rollUpOrder (domain.md §1)', () => {
  const cases: Array<[ItemStateType[], OrderStateType]> = [
    [['completed', 'completed'], 'completed'],
    [['cancelled', 'cancelled'], 'cancelled'],
    [['failed', 'failed'], 'failed'],
    [['completed', 'cancelled'], 'completed'],
    [['completed', 'failed'], 'partial'],
    [['completed', 'failed', 'cancelled'], 'partial'],
    [['failed', 'cancelled'], 'failed'],
    [['rejected'], 'rejected'],
    [['inProgress', 'held', 'pending'], 'held'],
    [['inProgress', 'pending', 'completed'], 'pending'],
    [['inProgress', 'completed'], 'inProgress'],
    [['acknowledged', 'completed'], 'inProgress'],
  ];
  it.each(cases)('%j → %s', (items, expected) => {
    expect(rollUpOrder(items)).toBe(expected);
  });
});

describe('schedulePlan', () => {
  it('plans each task after its predecessors and the item after its last task', () => {
    const item = { id: '1', action: 'add' as const, state: 'acknowledged' as const, productOffering: { id: 'internet-access' }, product: { productCharacteristic: [{ name: 'speedMbps', value: 100 }] } };
    const from = new Date('2030-01-01T00:00:00Z');
    const { plan, expectedCompletion } = schedulePlan(decomposeItem('O', item, DEMO_CATALOG), from);
    const task = (template: string) => plan.tasks.find((t) => t.templateId === template)!;
    expect(task('allocate').plannedStart).toBe('2030-01-01T00:00:00.000Z');
    expect(task('allocate').plannedEnd).toBe('2030-01-01T00:15:00.000Z');
    expect(task('configure').plannedStart).toBe(task('allocate').plannedEnd);
    expect(task('activate-line').plannedStart).toBe(task('configure').plannedEnd);
    // allocate 15 min + configure 1 h + activate 4 h + billing 30 min
    expect(expectedCompletion).toBe('2030-01-01T05:45:00.000Z');
  });

  it('keeps actual dates and moves what follows a late task', () => {
    const item = { id: '1', action: 'add' as const, state: 'acknowledged' as const, productOffering: { id: 'internet-access' }, product: { productCharacteristic: [{ name: 'speedMbps', value: 100 }] } };
    const planned = decomposeItem('O', item, DEMO_CATALOG);
    planned.tasks = planned.tasks.map((t) => (t.templateId === 'allocate' ? { ...t, state: 'completed', actualStart: '2030-01-01T00:00:00.000Z', actualEnd: '2030-01-01T02:00:00.000Z' } : t));
    const { plan, expectedCompletion } = schedulePlan(planned, new Date('2030-01-01T02:00:00Z'));
    expect(plan.tasks.find((t) => t.templateId === 'configure')!.plannedStart).toBe('2030-01-01T02:00:00.000Z');
    expect(expectedCompletion).toBe('2030-01-01T07:30:00.000Z');
  });
});

describe('schedulePlan with a business calendar', () => {
  it('plans a field task in working hours: received Friday afternoon, due Monday', () => {
    const item = { id: '1', action: 'add' as const, state: 'acknowledged' as const, productOffering: { id: 'internet-access' }, product: { productCharacteristic: [{ name: 'speedMbps', value: 100 }] } };
    const plan = decomposeItem('O', item, DEMO_CATALOG);
    const calendar = { timeZone: 'Europe/Paris', workingDays: [1, 2, 3, 4, 5], startHour: 9, endHour: 17 };
    plan.tasks = plan.tasks.map((t) => (t.templateId === 'activate-line' ? { ...t, calendar } : t));
    // Friday 2026-03-06 14:00Z = 15:00 Paris; allocate 15 min + configure 1 h → 16:15 Paris; activate 4 h of work → Monday 12:15 Paris (11:15Z).
    const { plan: scheduled } = schedulePlan(plan, new Date('2026-03-06T14:00:00Z'));
    expect(scheduled.tasks.find((t) => t.templateId === 'activate-line')!.plannedEnd).toBe('2026-03-09T11:15:00.000Z');
  });
});
