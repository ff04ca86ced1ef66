import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

const plan = {
  id: 'plan_pro',
  name: 'Pro',
  description: 'For teams',
  tier: 'pro',
  price: { minor: 2900, currency: 'USD' },
  interval: 'month',
  features: ['Geofences'],
  limits: { apiCalls: 100000, geofences: 50, webhooksDelivered: 10000, testPoints: 100, rateLimitPerHour: 1000 },
  featured: false,
};

test('an offline snapshot with wrong types is discarded for its view alone: no NaN, no panel left loading', async ({ page, harness }) => {
  test.setTimeout(60_000);
  const { accounts } = ((await harness.rawCall('accounts.list', '{}')) as { value: { accounts: { id: string; name: string }[] } }).value;
  const spatialflow = accounts.find((a) => a.name === 'SpatialFlow (demo)')!;
  const dir = path.join(harness.userDataDir, 'snapshots');
  await fs.mkdir(dir, { recursive: true });
  const syncedAt = new Date(Date.now() - 3600_000).toISOString();
  await fs.writeFile(
    path.join(dir, `${encodeURIComponent(spatialflow.id)}.json`),
    JSON.stringify({
      version: 1,
      entries: {
        // Written by something else: the price is text and the status a number.
        'spatialflow.getSubscription []': { syncedAt, value: { plan: { ...plan, price: { minor: '29.00', currency: 'USD' } }, status: 5, cancelAtPeriodEnd: false, createdAt: syncedAt } },
        'spatialflow.listPaymentMethods []': {
          syncedAt,
          value: { methods: [{ id: 'pm_1', type: 'card', brand: 'visa', last4: '4242', expiry: '12/2030', expired: false, isDefault: true, createdAt: syncedAt }] },
        },
      },
    }),
  );

  await harness.setSandboxesReachable(false);
  await page.goto(`${harness.url}?offlineRetryMs=500`);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: /^SpatialFlow \(demo\)/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'SpatialFlow (demo)' })).toBeVisible();

  // The payment methods' snapshot is fine: shown, marked offline.
  await expect(page.getByText('4242').first()).toBeVisible({ timeout: 15_000 });
  // The plan's is not: the panel says it cannot reach SpatialFlow and offers to try again.
  await expect(page.getByRole('button', { name: 'Try again' }).first()).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText(/could not be read and was discarded/)).toBeVisible();
  await expect(page.getByRole('main')).not.toContainText('NaN');

  // Once SpatialFlow answers again the plan fills in by itself.
  await harness.setSandboxesReachable(true);
  await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0, { timeout: 15_000 });
  await expect(page.getByRole('main')).not.toContainText('NaN');
});
