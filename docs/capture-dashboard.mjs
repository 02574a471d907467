// Screenshots of the Aspire dashboard for the README: resources, the trace list, the ingestion trace and the job's.
// Usage: node capture-dashboard.mjs <dashboard-url> <ingestion-trace-id> <output-directory>
import { chromium } from 'playwright-core';

const [url, traceId, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });

async function capture(path, waitForText, file) {
  await page.goto(`${url}${path}`);
  await page.getByText(waitForText).locator('visible=true').first().waitFor({ timeout: 30000 });
  await page.waitForTimeout(1500); // let the grid finish laying out
  await page.screenshot({ path: `${out}/${file}` });
}

await capture('/', 'spark-job', 'dashboard-resources.png');
await capture('/traces', /energy job run/, 'dashboard-traces.png');
await capture(`/traces/detail/${traceId}`, /read household power file/, 'dashboard-trace.png');
await page.goto(`${url}/traces`);
await page.getByText(/energy job run/).locator('visible=true').first().click();
await page.getByText(/publish quarterly figures/).locator('visible=true').first().waitFor({ timeout: 30000 });
await page.waitForTimeout(1500);
await page.screenshot({ path: `${out}/dashboard-job-trace.png` });
await browser.close();
