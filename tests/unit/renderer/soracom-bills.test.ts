import { describe, expect, it } from 'vitest';
import { niceStep, ticksFor } from '../../../renderer/src/ui/chart-scale';
import {
  billAmountText,
  billStateText,
  isKnownPaymentStatus,
  monthlyRemainder,
  paymentStatusText,
  previousYearMonth,
  totalMadeOf,
  yearMonthOf,
} from '../../../renderer/src/views/soracom/bills';

describe('Soracom bill words', () => {
  it('shows a bill Soracom sent without an amount as no amount, never as 0', () => {
    expect(billAmountText(null)).toBe('No amount');
    expect(billAmountText({ minor: 0, currency: 'JPY' })).toMatch(/0/);
  });

  it('reads known payment statuses and keeps unknown ones as sent', () => {
    expect(paymentStatusText('paid')).toBe('Paid');
    expect(paymentStatusText('lessThanMinimumCharge')).toBe('Below the minimum charge (not billed)');
    expect(paymentStatusText('delegated_to_third_party')).toBe('Handed to a third-party payer');
    expect(paymentStatusText('someNewStatus')).toBe('someNewStatus');
    expect(isKnownPaymentStatus('someNewStatus')).toBe(false);
    expect(isKnownPaymentStatus('toString')).toBe(false);
    expect(paymentStatusText(undefined, 'temporary')).toBe('Not billed yet');
    expect(paymentStatusText(undefined, 'closed')).toBe('Not stated');
  });

  it('names bill states', () => {
    expect(billStateText('temporary')).toBe('Preliminary');
    expect(billStateText('closed')).toBe('Closed');
    expect(billStateText('frozen')).toBe('frozen');
    expect(billStateText(undefined)).toBe('Not stated');
  });

  it('says what a bill table’s total adds up: a preliminary month and a month not billed are in it', () => {
    const bill = (yearMonth: string, over: Record<string, string> = {}) => ({ yearMonth, amount: { minor: 100, currency: 'JPY' }, state: 'closed', paymentStatus: 'paid', ...over });
    const bills = [bill('202611', { state: 'temporary', paymentStatus: '' }), bill('202610'), bill('202506', { paymentStatus: 'lessThanMinimumCharge' })];
    expect(totalMadeOf(bills)).toBe('All 3 months above, including November 2026 (preliminary, may still change) and June 2025 (below the minimum charge, not billed)');
    expect(totalMadeOf([bill('202610'), bill('202609')])).toBe('All 2 months above');
    expect(totalMadeOf([bill('202611', { state: 'temporary' })])).toBe('The 1 month above, including November 2026 (preliminary, may still change)');
  });
});

describe('months', () => {
  it('steps back over a year boundary', () => {
    expect(previousYearMonth('202401')).toBe('202312');
    expect(previousYearMonth('202410')).toBe('202409');
    expect(yearMonthOf(new Date(Date.UTC(2024, 0, 31, 23, 59)))).toBe('202401');
  });
});

describe('monthly fees and other charges', () => {
  it('is the month minus the daily sum, in the same currency only', () => {
    expect(monthlyRemainder({ minor: 9315, currency: 'JPY' }, [{ minor: 8015, currency: 'JPY' }])).toEqual({ minor: 1300, currency: 'JPY' });
    expect(monthlyRemainder({ minor: 500, currency: 'USD' }, [])).toEqual({ minor: 500, currency: 'USD' });
    expect(monthlyRemainder({ minor: 500, currency: 'USD' }, [{ minor: 100, currency: 'EUR' }])).toBeUndefined();
  });
});

describe('chart axis', () => {
  it('uses round steps and includes zero', () => {
    expect(niceStep(227_564)).toBe(100_000);
    expect(ticksFor([7328, 227_564])).toEqual([0, 100_000, 200_000, 300_000]);
    expect(ticksFor([-250, 900])).toEqual([-500, 0, 500, 1000]);
    expect(ticksFor([0, 0])).toEqual([0, 1]);
    expect(ticksFor([3])).toEqual([0, 1, 2, 3]);
  });
});
