import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test, type Harness, screenshotPath } from './fixtures';

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });

async function openAddForm(page: Page) {
  await sidebar(page).getByRole('button', { name: '+ Add account' }).click();
  await expect(page.getByRole('heading', { name: 'Add an account' })).toBeVisible();
}

async function useCustomAddress(page: Page, url: string) {
  await page.getByRole('combobox', { name: /^API address/ }).selectOption('custom');
  await page.getByLabel('Custom API address').fill(url);
}

async function addThreeAccounts(page: Page, harness: Harness) {
  const sandboxes = await harness.sandboxes();

  await openAddForm(page);
  await page.getByRole('radio', { name: 'SpatialFlow' }).check();
  await page.getByLabel('Account name').fill('Maps EU');
  await useCustomAddress(page, sandboxes.spatialflow.apiUrl);
  await page.getByRole('textbox', { name: 'Email' }).fill(sandboxes.spatialflow.credentials['email']!);
  await page.getByLabel('Password', { exact: true }).fill(sandboxes.spatialflow.credentials['password']!);
  await page.getByRole('button', { name: 'Test connection and save' }).click();
  await expect(page.getByRole('heading', { name: 'Maps EU' })).toBeVisible();

  await openAddForm(page);
  await page.getByRole('radio', { name: 'Agilicus' }).check();
  await page.getByLabel('Account name').fill('Corp network');
  await useCustomAddress(page, sandboxes.agilicus.apiUrl);
  await page.getByLabel('Bearer token').fill(sandboxes.agilicus.credentials['accessToken']!);
  await page.getByRole('button', { name: 'Test connection and save' }).click();
  await expect(page.getByRole('heading', { name: 'Corp network' })).toBeVisible();

  await openAddForm(page);
  await page.getByRole('radio', { name: 'Soracom' }).check();
  await page.getByLabel('Account name').fill('Tokyo fleet');
  await useCustomAddress(page, sandboxes.soracom.apiUrl);
  await page.getByLabel('AuthKey ID (keyId-…)').fill(sandboxes.soracom.credentials['authKeyId']!);
  await page.getByLabel('AuthKey secret (secret-…)').fill(sandboxes.soracom.credentials['authKey']!);
  await page.getByRole('button', { name: 'Test connection and save' }).click();
  await expect(page.getByRole('heading', { name: 'Tokyo fleet' })).toBeVisible();
  return sandboxes;
}

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/**
 * The text of every file below `dir`. A file renamed away between the listing and the reading (an
 * atomic write's temporary name) makes it list again: its text is then under its new name.
 */
async function textsBelow(dir: string): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    const files = await filesBelow(dir);
    try {
      return await Promise.all(files.map((f) => fs.readFile(f, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw error;
    }
  }
}

test('add three accounts of different providers, switch by click and shortcut, remove one, and leak no secret', async ({ page, harness }) => {
  await page.goto(harness.url);
  await expect(page.getByRole('button', { name: 'Try with demo accounts' })).toBeVisible();
  const sandboxes = await addThreeAccounts(page, harness);

  const nav = sidebar(page);
  await expect(nav.getByRole('button')).toContainText(['All accounts', 'Maps EU', 'Corp network', 'Tokyo fleet', '+ Add account']);
  // Each account's own view loaded from its provider.
  await expect(page.getByTestId('latest-amount')).toBeVisible();

  await nav.getByRole('button', { name: /Maps EU/ }).click();
  await expect(page.getByRole('heading', { name: 'Maps EU', level: 1 })).toBeVisible();
  await expect(page.getByTestId('plan-name')).toBeVisible();
  await expect(nav.getByRole('button', { name: /Maps EU/ })).toHaveAttribute('aria-current', 'page');

  // A shortcut swaps the whole view, not just the title: the new account's own content loads
  // from its provider and the previous account's content is gone.
  const agilicusAccounts = page.getByRole('table', { name: 'Billing accounts' });
  await page.keyboard.press('Control+2');
  await expect(page.getByRole('heading', { name: 'Corp network', level: 1 })).toBeVisible();
  await expect(agilicusAccounts).toBeVisible();
  await expect(page.getByTestId('plan-name')).toHaveCount(0);
  await expect(nav.getByRole('button', { name: /Corp network/ })).toHaveAttribute('aria-current', 'page');
  await page.keyboard.press('Control+3');
  await expect(page.getByRole('heading', { name: 'Tokyo fleet', level: 1 })).toBeVisible();
  await expect(page.getByTestId('latest-amount')).toBeVisible();
  await expect(agilicusAccounts).toHaveCount(0);
  await expect(page.getByTestId('plan-name')).toHaveCount(0);
  await expect(nav.getByRole('button', { name: /Tokyo fleet/ })).toContainText(/Synced/);

  // Tokens the providers issued (kept as sessions) are secrets too: take every value from the keychain.
  const keytar = (await import('keytar')).default;
  const stored = await keytar.findCredentials('Billfold');
  const issued = stored.flatMap(({ password }) => Object.values(JSON.parse(password) as Record<string, unknown>)).filter((v): v is string => typeof v === 'string' && v.length >= 16);
  expect(stored.filter((c) => c.account.endsWith('/session')).length).toBeGreaterThanOrEqual(2);

  // The last active account comes back after a restart of the window.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Tokyo fleet', level: 1 })).toBeVisible();

  await page.keyboard.press('Control+2');
  await page.getByRole('button', { name: 'Remove account' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove Corp network?' });
  // Shortcuts wait while the dialog is open: confirming can only ever remove the account it names.
  await page.keyboard.press('Control+1');
  await expect(dialog).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Corp network', level: 1 })).toBeVisible();
  await expect(dialog).toContainText('deletes its credentials from your keychain');
  await dialog.getByRole('button', { name: 'Remove account' }).click();
  await expect(nav.getByRole('button', { name: /Corp network/ })).toHaveCount(0);
  await expect(nav.getByRole('button', { name: /Maps EU/ })).toBeVisible();

  // No secret may appear in the user-data folder, the log, or any payload the page received.
  const secrets = [
    sandboxes.spatialflow.credentials['password']!,
    sandboxes.agilicus.credentials['accessToken']!,
    sandboxes.soracom.credentials['authKey']!,
    ...issued,
  ];
  expect(secrets.every((s) => s.length >= 8)).toBe(true);
  const onDisk = await textsBelow(harness.userDataDir);
  expect(onDisk.length).toBeGreaterThan(1);
  const haystacks = [...onDisk, await fs.readFile(harness.recordFile, 'utf8'), harness.logs.join('\n')];
  const recorded = await fs.readFile(harness.recordFile, 'utf8');
  expect(recorded).toContain('Tokyo fleet');
  for (const secret of secrets) {
    for (const text of haystacks) expect(text.includes(secret), `a secret leaked`).toBe(false);
  }
});

test('the account form says what is wrong before and after it reaches the provider', async ({ page, harness }) => {
  const sandboxes = await harness.sandboxes();
  await page.goto(harness.url);
  await openAddForm(page);
  await page.getByRole('radio', { name: 'Agilicus' }).check();
  await page.getByRole('button', { name: 'Test connection and save' }).click();
  await expect(page.getByText('Give the account a name.')).toBeVisible();
  await expect(page.getByText('This is required.')).toBeVisible();

  await page.getByLabel('Account name').fill('Corp');
  await useCustomAddress(page, 'http://example.com/api');
  await page.getByLabel('Bearer token').fill('some-token');
  await page.getByRole('button', { name: 'Test connection and save' }).click();
  await expect(page.getByRole('alert')).toContainText('https://');

  await useCustomAddress(page, sandboxes.agilicus.apiUrl);
  await page.getByLabel('Bearer token').fill('expired-or-wrong-token');
  await page.getByRole('button', { name: 'Test connection and save' }).click();
  await expect(page.getByRole('alert')).toContainText('auth_failed');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(sidebar(page)).toContainText('No accounts yet.');
});

test('a name another account already has, in any case, is refused at the name field when adding and when renaming', async ({ page, harness }) => {
  const sandboxes = await harness.sandboxes();
  await page.goto(harness.url);
  const addSoracom = async (name: string) => {
    await openAddForm(page);
    await page.getByRole('radio', { name: 'Soracom' }).check();
    await page.getByLabel('Account name').fill(name);
    await useCustomAddress(page, sandboxes.soracom.apiUrl);
    await page.getByLabel('AuthKey ID (keyId-…)').fill(sandboxes.soracom.credentials['authKeyId']!);
    await page.getByLabel('AuthKey secret (secret-…)').fill(sandboxes.soracom.credentials['authKey']!);
    await page.getByRole('button', { name: 'Save without testing' }).click();
  };
  const message = 'Another account is already called Fleet; give this one a name you can tell apart.';
  const nameField = page.getByLabel('Account name');

  await addSoracom('Fleet');
  await expect(page.getByRole('heading', { name: 'Fleet', exact: true })).toBeVisible();
  await addSoracom('fleet');
  await expect(nameField).toHaveAttribute('aria-invalid', 'true');
  await expect(nameField).toHaveAccessibleDescription(message);
  await expect(nameField).toBeFocused();
  await expect(page.getByRole('alert')).toContainText(`Account name: ${message}`);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(sidebar(page).getByRole('listitem')).toHaveCount(1);

  await addSoracom('Fleet backup');
  await expect(page.getByRole('heading', { name: 'Fleet backup' })).toBeVisible();
  await page.getByRole('button', { name: 'Edit account' }).click();
  await nameField.fill('FLEET');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(nameField).toHaveAccessibleDescription(message);
  await expect(page.getByRole('alert')).toContainText(`Account name: ${message}`);
  await page.screenshot({ path: screenshotPath('account-form-name-taken.png') });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(sidebar(page).getByRole('button', { name: /^Fleet/ })).toHaveCount(2);
  await expect(sidebar(page).getByRole('button', { name: /^Fleet backup/ })).toHaveCount(1);
});

test('demo accounts are one click away on first run', async ({ page, harness }) => {
  await page.goto(harness.url);
  await page.getByRole('button', { name: 'Try with demo accounts' }).click();
  const nav = sidebar(page);
  await expect(nav.getByRole('button', { name: /demo/ })).toHaveCount(3);
  await expect(page.getByTestId('plan-name')).toBeVisible();
  await page.screenshot({ path: screenshotPath('app-shell.png') });
});

test('a removed demo account can be added back from the Add account form', async ({ page, harness }) => {
  await page.goto(harness.url);
  await page.getByRole('button', { name: 'Try with demo accounts' }).click();
  await expect(sidebar(page).getByRole('button', { name: /demo/ })).toHaveCount(3);
  // With all three there, the form offers nothing of the kind.
  await openAddForm(page);
  await expect(page.getByRole('button', { name: 'Add the demo accounts again' })).toHaveCount(0);
  await page.keyboard.press('Escape');

  await sidebar(page).getByRole('button', { name: /^Agilicus \(demo\)/ }).click();
  await page.getByRole('button', { name: 'Remove account' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove account' }).click();
  await expect(sidebar(page).getByRole('button', { name: /demo/ })).toHaveCount(2);
  const kept = await harness.call<{ accounts: { id: string }[] }>('accounts.list', {});

  await openAddForm(page);
  await expect(page.getByText('Brings back Agilicus (demo); demo accounts need no credentials.')).toBeVisible();
  await page.screenshot({ path: screenshotPath('account-form-demo-again.png') });
  await page.getByRole('button', { name: 'Add the demo accounts again' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Agilicus (demo)' })).toBeVisible();
  await expect(sidebar(page).getByRole('button', { name: /demo/ })).toHaveCount(3);
  const after = await harness.call<{ accounts: { id: string; name: string }[] }>('accounts.list', {});
  expect(after.accounts.filter((a) => kept.accounts.some((k) => k.id === a.id))).toHaveLength(2);
  expect(after.accounts.map((a) => a.name).sort()).toEqual(['Agilicus (demo)', 'Soracom (demo)', 'SpatialFlow (demo)']);
});

test.describe('without a keychain', () => {
  test.use({ harnessEnv: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/billfold-e2e-bus' } });

  test('a banner names the cause and adding an account explains why it cannot be saved', async ({ page, harness }) => {
    await page.goto(harness.url);
    await expect(page.getByTestId('keychain-banner')).toContainText('No keychain service is running');
    await openAddForm(page);
    await page.getByLabel('Account name').fill('Fleet');
    await page.getByLabel('AuthKey ID (keyId-…)').fill('keyId-abc');
    await page.getByLabel('AuthKey secret (secret-…)').fill('secret-xyz');
    await page.getByRole('button', { name: 'Save without testing' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'keychain_unavailable' })).toContainText('only in your keychain');
  });

  test('Test connection and save names the keychain, not a failed connection', async ({ page, harness }) => {
    await page.goto(harness.url);
    await openAddForm(page);
    await page.getByLabel('Account name').fill('Fleet');
    await page.getByLabel('AuthKey ID (keyId-…)').fill('keyId-abc');
    await page.getByLabel('AuthKey secret (secret-…)').fill('secret-xyz');
    await page.getByRole('button', { name: 'Test connection and save' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'keychain_unavailable' });
    await expect(alert).toContainText('Could not add the account. Billfold keeps credentials only in your keychain');
    await expect(alert).not.toContainText('Could not connect');
  });
});
