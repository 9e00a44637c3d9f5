/**
 * The order's story as an operator meets it: the Temporal Web UI, in headless Chromium
 * (Debian's package; `.ci/run` installs it), opens an order Exact refused a posting of and
 * finds the reason and the fix in its current details. SCREENSHOTS=<dir> keeps the pages
 * (the README's pictures are made so).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, freePort, startDevServer } from '../src/temporal/devServer';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the Temporal Web UI tells an order that needs attention', () => {
  let server: DevServer;
  let bridge: Bridge;
  let browser: Browser;
  const plant = newPlant();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium), or set CHROMIUM_PATH`);
    server = await startDevServer({ port: await freePort(), uiPort: await freePort() });
    bridge = await startBridge({ TEMPORAL_ADDRESS: server.address, POSTING_BATCH_WINDOW: '0' });
    // The flags keep Chromium off the network this machine does not have (it would try Google's hosts at every start).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await bridge?.teardown();
    await server?.stop();
  });

  it("shows the refused posting's reason and the CLI line that fixes it in the order's details", async () => {
    const events = floorEvents(plant, '5106'); // Exact knows no shop order 5106
    for (const event of [events.released('5'), events.quantity('q1', '5'), events.completed()]) expect((await bridge.postEvent(event)).status).toBe(202);
    const workflowId = productionOrderWorkflowId(plant, '5106');
    await eventually(() => bridge.env.client.workflow.getHandle(workflowId).query(statusQuery), (v) => v.erpSyncStatus === 'NeedsAttention');

    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(`${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
    // The current details (setCurrentDetails) are under User Metadata, rendered as markdown in a frame of their own.
    await page.getByText('User Metadata', { exact: true }).first().click();
    const text = await eventually(
      async () => (await Promise.all(page.frames().map((frame) => frame.locator('body').innerText().catch(() => '')))).join('\n'),
      (all) => all.includes('Needs attention'),
      60_000,
    );
    expect(text).toContain('ERP NeedsAttention');
    expect(text).toMatch(/posting 1: receipt 5 pc BRACKET: UnknownShopOrder: Exact Online has no shop order 5106/);
    expect(text).toContain(`npm run cli -- map ${plant} 5106 order <ERP order number>`);
    expect(text).toContain(`npm run cli -- skip ${plant} 5106 1`);
    if (process.env.SCREENSHOTS) {
      mkdirSync(process.env.SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(process.env.SCREENSHOTS, 'order-needs-attention.png'), fullPage: true });
    }

    // The list of workflows finds it by its search attributes, the query a saved view "Needs attention" keeps.
    const query = `ErpSyncStatus="NeedsAttention" AND Plant="${plant}"`;
    await page.goto(`${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    await page.getByText(workflowId).first().waitFor({ timeout: 60_000 });
    if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SCREENSHOTS, 'needs-attention-list.png'), fullPage: true });
    await page.close();
  });
});
