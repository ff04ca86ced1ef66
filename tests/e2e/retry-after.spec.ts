import { expect, screenshotPath, test } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

test('a provider asking to wait: a short wait shows "retrying in N s", a long one says until when at once', async ({ page, harness }) => {
  test.setTimeout(60_000);
  await page.goto(harness.url);
  await harness.setFaults('soracom', [{ kind: 'status', status: 429, retryAfterSeconds: 4, method: 'GET', path: '/v1/bills', times: 1 }]);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: /^Soracom \(demo\)/ }).click();
  const retrying = page.getByTestId('retrying');
  await expect(retrying).toContainText(/^Soracom asked Billfold to wait: retrying in [1-4] s\.$/);
  await page.screenshot({ path: screenshotPath('soracom-retrying.png') });
  // Once the wait is over the call is made again, and the view fills in.
  await expect(retrying).toHaveCount(0, { timeout: 15_000 });
  await expect(page.getByText(/^\s*Updated just now/).first()).toBeVisible({ timeout: 15_000 });

  // Ten minutes is too long to spin: the view says until when, at once.
  await harness.setFaults('soracom', [{ kind: 'status', status: 429, retryAfterSeconds: 600, method: 'GET', path: '/v1/bills' }]);
  await page.getByRole('button', { name: 'Refresh' }).first().click();
  await expect(page.getByRole('alert').first()).toContainText(/Soracom asks to wait until \d{1,2}:\d{2}/, { timeout: 10_000 });
  await expect(retrying).toHaveCount(0);
});
