// Takes the dashboard pictures of docs/operations.md from a running AppHost whose pipeline run has finished.
// Usage: node capture-dashboard.mjs <dashboard login URL, as the AppHost prints it> <output directory>
// Run by capture-dashboard.sh, which starts and stops the AppHost; needs playwright-core and Debian's chromium.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [loginUrl, out] = process.argv.slice(2);
if (!loginUrl || !out) {
  console.error('usage: node capture-dashboard.mjs <login URL> <output directory>');
  process.exit(2);
}

const dashboard = new URL(loginUrl).origin;
const profile = mkdtempSync(join(tmpdir(), 'dashboard-capture-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  // Without the background-networking flags Chromium keeps trying Google's hosts, which a closed network refuses.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 900 },
});
const page = context.pages()[0] ?? await context.newPage();
const wide = { width: 1400, height: 900 };
const short = { width: 1400, height: 430 };

try {
  // The login URL's token signs the browser in, as a user clicking the link the AppHost prints.
  await page.goto(loginUrl);

  await page.setViewportSize(short);
  await page.goto(`${dashboard}/`);
  await visible(page.locator('tr', { hasText: 'spark-job' }).getByText('Finished'));
  await visible(page.locator('tr', { hasText: 'postgres' }).getByText('Running'));
  await settle();
  await page.screenshot({ path: `${out}/dashboard-resources.png` });

  // The pipeline's trace is listed once the job's spans have reached the dashboard too.
  await page.goto(`${dashboard}/traces`);
  const pipelineRow = page.locator('tr', { hasText: 'ingest household power file' });
  await visible(pipelineRow.getByText(/spark-job \(\d+\)/));
  await settle();
  await page.screenshot({ path: `${out}/dashboard-traces.png` });

  await page.setViewportSize(wide);
  await pipelineRow.getByText('ingest household power file').click();
  await visible(rowOf('read household power file'));
  const traceId = new URL(page.url()).pathname.split('/').pop();
  await settle();
  await page.screenshot({ path: `${out}/dashboard-trace.png` });

  // The same trace further down: the last produced batches, then the job's run span beside them, under the
  // ingestion's root span. The schema migration's statements are folded to leave room for the job's stages.
  await scrollUntilVisible(rowOf('energy job run'));
  await rowOf('migrate schema').locator('.main-grid-expand-container').click();
  await scrollRowTo(rowOf('energy job run'), 4);
  await settle();
  await page.screenshot({ path: `${out}/dashboard-job-trace.png` });

  await page.goto(`${dashboard}/consolelogs/resource/spark-job`);
  const summary = page.getByText(/^\{.*"run_id".*"trace_id"/);
  await visible(summary);
  const jobTraceId = JSON.parse(await summary.last().innerText()).trace_id;
  await settle();
  await page.screenshot({ path: `${out}/dashboard-job-console.png` });

  await page.goto(`${dashboard}/consolelogs/resource/ingestor`);
  const ingestion = page.getByText(/^\{.*"verb":"ingest".*"trace_id"/);
  await visible(ingestion);
  const ingestionTraceId = JSON.parse(await ingestion.last().innerText()).trace_id;
  await settle();
  await page.screenshot({ path: `${out}/dashboard-ingestor-console.png` });

  console.log(`trace ${traceId}; the summaries name trace ${ingestionTraceId} (ingestor) and ${jobTraceId} (job)`);
  if (jobTraceId !== traceId || ingestionTraceId !== traceId) {
    throw new Error(`the summaries' traces ${ingestionTraceId} and ${jobTraceId} are not the pipeline trace ${traceId}`);
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

function rowOf(spanName) {
  return page.locator('tr', { has: page.locator('.span-name-container', { hasText: spanName }) }).first();
}

async function visible(locator) {
  await locator.first().waitFor({ state: 'visible', timeout: 60_000 });
}

// Rows finish laying out (and the waterfall's bars their widths) after the data arrives.
async function settle() {
  await page.waitForTimeout(1500);
}

// The span grid is virtualised: rows exist only once scrolled near.
async function scrollUntilVisible(row) {
  await page.mouse.move(700, 600);
  for (let i = 0; i < 200 && !(await row.locator('td').first().isVisible()); i++) {
    await page.mouse.wheel(0, 400);
    await page.waitForTimeout(150);
  }
  await visible(row);
}

// Scrolls the grid so that the row is the given number of rows below the grid's header.
async function scrollRowTo(row, rowsBelowHeader) {
  await settle();
  // Rows lay out their cells in a CSS grid: the cells have boxes, the rows none.
  const header = await page.locator('th').first().boundingBox();
  const box = await row.locator('td').first().boundingBox();
  await page.mouse.move(700, 600);
  await page.mouse.wheel(0, box.y - (header.y + header.height) - rowsBelowHeader * box.height);
  await settle();
}
