/**
 * A small demo factory: the ERP plans a few shop orders, the "MES" releases them,
 * reports good and scrapped quantities (one report sent twice, as MES retries do),
 * and completes them, all through the starter API over HTTP.
 */
export interface DemoFactoryOptions {
  starterUrl: string;
  exactSimulatorUrl: string;
  plant: string;
  orders: number;
  log: (line: string) => void;
}

export async function runDemoFactory(options: DemoFactoryOptions): Promise<string[]> {
  const workflowIds: string[] = [];
  // Fresh shop order numbers each run: the dev server keeps earlier runs' orders.
  const firstNumber = (Math.floor(Date.now() / 1000) % 10_000_000) * 10;
  for (let i = 0; i < options.orders; i++) {
    const order = String(firstNumber + i);
    const planned = 100 + 25 * i;
    await postJson(`${options.exactSimulatorUrl}/_simulator/shop-orders`, {
      shopOrderNumber: Number(order),
      itemCode: `BRACKET-${i + 1}`,
      plannedQuantity: planned,
      unit: 'pc',
      materials: [
        { itemCode: 'STEEL-S235', plannedQuantity: planned * 0.4, unit: 'kg' },
        { itemCode: 'BOLT-M8', plannedQuantity: planned * 2, unit: 'pc' },
      ],
    });
    const base = { source: 'demo-mes', plant: options.plant, productionOrder: order };
    const at = () => new Date().toISOString();
    const report = { ...base, eventId: `${order}-qty-1`, type: 'QuantityReported', occurredAt: at(), good: String(planned - 3), scrap: '3', unit: 'pc', operation: '0010', workCentre: 'PRESS-01' };
    const events = [
      { ...base, eventId: `${order}-released`, type: 'OrderReleased', occurredAt: at(), material: `BRACKET-${i + 1}`, plannedQuantity: String(planned), unit: 'pc' },
      { ...base, eventId: `${order}-steel-1`, type: 'MaterialConsumed', occurredAt: at(), material: 'STEEL-S235', quantity: (planned * 0.4 + 1.35).toFixed(2), unit: 'kg' },
      report,
      report,
      { ...base, eventId: `${order}-bolts`, type: 'MaterialConsumed', occurredAt: at(), material: 'BOLT-M8', quantity: String(planned * 2), unit: 'pc' },
      { ...base, eventId: `${order}-qty-2`, type: 'QuantityReported', occurredAt: at(), good: '2', unit: 'pc' },
      { ...base, eventId: `${order}-completed`, type: 'OrderCompleted', occurredAt: at() },
    ];
    for (const event of events) {
      const answer = (await postJson(`${options.starterUrl}/v1/events`, event)) as { accepted: { workflowId: string }[] };
      if (event.type === 'OrderReleased') workflowIds.push(answer.accepted[0]!.workflowId);
    }
    options.log(`demo factory: order ${order} released, steel and bolts consumed, ${planned - 3 + 2} pc good, 3 scrapped, completed`);
  }
  return workflowIds;
}

async function postJson(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}
