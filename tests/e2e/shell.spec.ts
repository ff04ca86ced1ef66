import { argSchemas } from '../../contract';
import { expect, test, screenshotPath } from './fixtures';

test('the shell shows the account sidebar and facts it fetched from the main process', async ({ page, harness }) => {
  await page.goto(harness.url);
  await expect(page.getByRole('navigation', { name: 'Accounts' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Welcome to Billfold' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Accounts' })).toContainText('No accounts yet.');
  // Only the harness answers app.info with the web shell, so this text made the full round trip.
  await expect(page.getByTestId('app-shell')).toHaveText('Browser harness');
  await expect(page.getByTestId('app-version')).toContainText('Billfold');
  await page.screenshot({ path: screenshotPath('first-run.png') });
});

test('a malformed payload on any channel comes back as a validation error and the process survives', async ({ page, harness }) => {
  await page.goto(harness.url);
  const malformed: unknown[] = [null, 42, 'text', [1, 2], { unexpected: true }, { accountId: { $gt: '' } }];
  for (const channel of Object.keys(argSchemas)) {
    for (const args of malformed) {
      const reply = await page.evaluate(([c, a]) => window.billing.invoke(c as never, a as never), [channel, args] as const);
      expect(reply, `${channel} with ${JSON.stringify(args)}`).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
    }
  }
  // A body that is not JSON is a malformed request: 400, not an envelope (tests/e2e/harness-edges.spec.ts).
  const notJson = await fetch(`${harness.url}/rpc/app.info`, { method: 'POST', headers: { 'X-Billfold-Token': harness.token }, body: '{not json' });
  expect(notJson.status).toBe(400);
  expect(await harness.rawCall('no.such.channel', '{}')).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  // Still alive and answering.
  expect(await page.evaluate(() => window.billing.invoke('app.info', {}))).toMatchObject({ ok: true, value: { name: 'Billfold' } });
});

const cspProbeScript = `
(async () => {
  let evalResult = 'ran';
  try { eval('1 + 1'); } catch (error) { evalResult = error.name; }
  let functionResult = 'ran';
  try { new Function('return 1')(); } catch (error) { functionResult = error.name; }
  let remoteFetch = 'fetched';
  try { await fetch('https://example.com/'); } catch { remoteFetch = 'blocked'; }
  const injected = document.createElement('script');
  injected.textContent = 'window.inlineRan = true;';
  document.body.append(injected);
  await new Promise((r) => setTimeout(r, 50));
  window.cspProbe = {
    require: typeof require, process: typeof process, module: typeof module,
    evalResult, functionResult, remoteFetch,
    inlineRan: window.inlineRan === true,
    billingIsFrozen: Object.isFrozen(window.billing),
  };
})();
`;

test('the page has no Node globals and runs under the content security policy', async ({ page, harness }) => {
  const response = await page.goto(harness.url);
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toMatch(/https?:/);

  // Page scripts, not Playwright's own evaluation, are what the CSP governs: run the probe as one.
  await page.route(`${harness.url}/csp-probe.js`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: cspProbeScript }),
  );
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.src = '/csp-probe.js';
    document.head.append(script);
  });
  await page.waitForFunction(() => 'cspProbe' in window);
  const probe = await page.evaluate(() => (window as unknown as { cspProbe: unknown }).cspProbe);
  expect(probe).toEqual({
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
    evalResult: 'EvalError',
    functionResult: 'EvalError',
    remoteFetch: 'blocked',
    inlineRan: false,
    billingIsFrozen: true,
  });
});

test('external links open only through the allowlist', async ({ page, harness }) => {
  await page.goto(harness.url);
  const allowed = await page.evaluate(() => window.billing.invoke('app.openExternal', { url: 'https://users.soracom.io/ja-jp/docs/billing/csv/' }));
  expect(allowed).toEqual({ ok: true, value: { opened: true } });
  for (const url of ['http://users.soracom.io/', 'https://evil.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@soracom.io/']) {
    const denied = await page.evaluate((u) => window.billing.invoke('app.openExternal', { url: u }), url);
    expect(denied, url).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
  }
  const opened = await fetch(`${harness.url}/__harness/opened-urls`, { headers: { 'X-Billfold-Token': harness.token } }).then((r) => r.json());
  expect(opened).toEqual(['https://users.soracom.io/ja-jp/docs/billing/csv/']);
});

test('the channels refuse callers without the run token', async ({ harness }) => {
  const res = await fetch(`${harness.url}/rpc/app.info`, { method: 'POST', body: '{}' });
  expect(res.status).toBe(403);
  const wrong = await fetch(`${harness.url}/rpc/app.info`, { method: 'POST', body: '{}', headers: { 'X-Billfold-Token': 'guess' } });
  expect(wrong.status).toBe(403);
});
