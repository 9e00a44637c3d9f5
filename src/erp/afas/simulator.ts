/**
 * A stand-in for AFAS Profit's ProfitRestServices over real HTTP: `AfasToken` authorization,
 * UpdateConnectors validated against AFAS's OpenAPI specs (contract.ts), AFAS's answers (201
 * with `results`, 500 with `externalMessage`, `errorNumber` and `profitLogReference`, 401,
 * 503 with `retry_after`), at most 8 calls at once, and the GetConnectors the bridge reads
 * its posts back through (paging with skip/take, which AFAS wants with orderbyfieldids, and
 * filters). Faults: maintenance windows, a post that commits while its answer is lost or
 * comes after the client's timeout (AFAS goes on after the client gave up), the next call failing with a status. Its ledger: stock
 * mutations, productions with their parts, realisations, journal entries (Profit_Transactions)
 * and stock per item, warehouse and location; booking periods can be blocked.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Big from 'big.js';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { type AfasConnector, afasConnectors, afasContractProblems, elementsOf } from './contract';
import { afasTokenHeader } from './transport';

export interface AfasSimulatorOptions {
  token: string;
  /** The GetConnectors the customer published for the bridge (names as in the connection's settings). */
  getConnectors?: { stockMutations: string; productions: string; realizations: string; warehouseTransfers?: string };
  /** The customer's production orders GetConnector (its rows published by a test, with the orders the bridge prepares). */
  productionOrders?: string;
  /** Calls at once before AFAS refuses more (8). */
  maxParallel?: number;
}

type Row = Record<string, unknown>;

export function createAfasSimulator(options: AfasSimulatorOptions) {
  const names = options.getConnectors ?? { stockMutations: 'Shopfloor_StockMutations', productions: 'Shopfloor_Productions', realizations: 'Shopfloor_Realizations' };
  const items = new Map<string, { unit: string; decimals: number; description: string }>();
  const compositions: Row[] = [];
  const warehouses = new Set<string>();
  const workTypes = new Set<string>();
  const stockMutations: Row[] = [];
  const productions: Row[] = [];
  const productionParts: Row[] = [];
  const transactions: Row[] = [];
  const warehouseTransfers: Row[] = [];
  const journals = new Set<string>();
  const accounts = new Set<string>();
  const blockedPeriods = new Set<string>();
  /** GetConnectors a customer defined (production orders): their rows as published. */
  const published = new Map<string, Row[]>();
  /** Production orders the bridge created (FbAssemblyPrep): the customer's production orders GetConnector shows them beside its own. */
  const preparations: Row[] = [];
  const productionOrdersConnector = options.productionOrders ?? 'Shopfloor_ProductionOrders';
  const ordersShown = () => [...(published.get(productionOrdersConnector) ?? []), ...preparations];
  const realizations: Row[] = [];
  const stock = new Map<string, Big>();
  let nextId = 1000;
  let inFlight = 0;
  let fault: { readDelayMs?: number; loseAnswer?: boolean | string; slowAnswer?: { ms: number; connector?: AfasConnector | undefined }; status?: number; retryAfterSeconds?: number; maintenanceSeconds?: number } = {};
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const expected = afasTokenHeader(options.token);

  const validation = (reply: FastifyReply, message: string) => reply.status(500).send({ externalMessage: message, errorNumber: -2146232832, profitLogReference: randomUUID().replace(/-/g, '').toUpperCase() });
  const move = (item: string, warehouse: string, location: string, batch: string, quantity: Big) => {
    const key = [item, warehouse, location, batch].join('|');
    stock.set(key, (stock.get(key) ?? new Big(0)).plus(quantity));
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/_simulator/')) return;
    if (fault.maintenanceSeconds !== undefined) {
      return reply.status(503).send({ error: { code: 'Maintenance', message: 'Profit is unavailable due to scheduled maintenance. See https://www.afasstatus.nl' }, retry_after: fault.maintenanceSeconds });
    }
    if (fault.status) {
      const { status, retryAfterSeconds } = fault;
      fault = { ...fault, status: undefined, retryAfterSeconds: undefined };
      if (retryAfterSeconds !== undefined) reply.header('Retry-After', String(retryAfterSeconds));
      return reply.status(status).send(status === 503 ? { error: { code: 'Unavailable', message: 'Service unavailable' }, retry_after: retryAfterSeconds ?? 60 } : { externalMessage: 'The service is not available' });
    }
    if (request.headers.authorization !== expected) return reply.status(401).send({ externalMessage: 'Het token is ongeldig of verlopen (the token is not valid)' });
    if (inFlight >= (options.maxParallel ?? 8)) return reply.status(503).send({ error: { code: 'TooManyParallelCalls', message: `at most ${options.maxParallel ?? 8} calls at once` }, retry_after: 1 });
    inFlight++;
    reply.raw.once('close', () => inFlight--);
  });

  /** The child objects of one kind under an element (`Objects` as one object or a list of them, as AFAS takes it). */
  const children = (element: Row | undefined, name: string): Row[] =>
    [element?.Objects].flat().flatMap((holder) => [(holder as Record<string, { Element?: unknown } | undefined> | undefined)?.[name]?.Element].flat()).filter(Boolean) as Row[];
  /** A production's line or part: an item AFAS holds, in its unit, from a warehouse it holds, with its batch and location sub-lines. */
  const stockLine = (line: Row, headerWarehouse: string) => {
    const f = line.Fields as Row;
    const item = String(f.ItCd);
    if (!items.has(item)) throw new Error(`Artikel ${item} bestaat niet (item ${item} does not exist)`);
    if (items.get(item)!.unit !== String(f.BiUn)) throw new Error(`Eenheid ${String(f.BiUn)} bestaat niet bij artikel ${item} (the item's unit is ${items.get(item)!.unit})`);
    const warehouse = f.War === undefined ? headerWarehouse : String(f.War);
    if (!warehouses.has(warehouse)) throw new Error(`Magazijn ${warehouse} bestaat niet (warehouse ${warehouse} does not exist)`);
    const quantity = new Big(String(f.QuUn));
    const batch = children(line, 'FbOrderBatchLines')[0]?.Fields as Row | undefined;
    const location = children(line, 'FbOrderLocationLines')[0]?.Fields as Row | undefined;
    return { item, unit: String(f.BiUn), quantity, warehouse, sub: { batch: batch ? String(batch.BaNu) : '', location: location ? String(location.Loc) : '' } };
  };

  /** AFAS's business rules on what the schema lets through: items, warehouses and work types it holds. */
  function book(connector: AfasConnector, body: Row): Row {
    const [element] = elementsOf(body, connector);
    const fields = (element?.Fields ?? {}) as Row;
    const text = (name: string) => (fields[name] === undefined ? '' : String(fields[name]));
    const id = nextId++;
    switch (connector) {
      case 'FbStockMutation': {
        if (!items.has(text('ItCd'))) throw new Error(`Artikel ${text('ItCd')} bestaat niet (item ${text('ItCd')} does not exist)`);
        if (items.get(text('ItCd'))!.unit !== text('BiUn')) throw new Error(`Eenheid ${text('BiUn')} bestaat niet bij artikel ${text('ItCd')} (the item's unit is ${items.get(text('ItCd'))!.unit})`);
        if (!warehouses.has(text('War'))) throw new Error(`Magazijn ${text('War')} bestaat niet (warehouse ${text('War')} does not exist)`);
        if (!['41', '42'].includes(text('VaOt'))) throw new Error(`Boekingssoort ${text('VaOt')} is hier niet toegestaan (entry sort ${text('VaOt')} is not allowed here)`);
        const quantity = new Big(text('Qu') || '0');
        move(text('ItCd'), text('War'), text('Loc'), text('BaNu'), text('VaOt') === '42' ? quantity.times(-1) : quantity);
        stockMutations.push({ Id: id, Description: text('Ds'), EntrySort: text('VaOt'), ItemCode: text('ItCd'), Warehouse: text('War'), Location: text('Loc'), Batch: text('BaNu'), Unit: text('BiUn'), Quantity: quantity.toString(), Date: text('Da') });
        return {};
      }
      case 'FbAssembly': {
        if (!warehouses.has(text('War'))) throw new Error(`Magazijn ${text('War')} bestaat niet (warehouse ${text('War')} does not exist)`);
        if (text('SoOr') && !ordersShown().some((o) => String(o.OrderNumber) === text('SoOr'))) throw new Error(`Voorbereiding ${text('SoOr')} bestaat niet (no production order ${text('SoOr')})`);
        const lines = children(element, 'FbAssemblyLines');
        // AFAS checks the whole production before it books any of it.
        const checked = lines.map((line) => ({ line, ...stockLine(line, text('War')), parts: children(line, 'AfasFbOrderCompLines').map((part) => stockLine(part, text('War'))) }));
        for (const { item, unit, quantity, warehouse, sub, parts } of checked) {
          move(item, warehouse, sub.location, sub.batch, quantity);
          productions.push({ Id: id, Reference: text('RfCs'), Remark: text('Re'), Preparation: text('SoOr'), ItemCode: item, Unit: unit, Quantity: quantity.toString(), Warehouse: warehouse, Location: sub.location, Batch: sub.batch, Date: text('OrDa') });
          for (const part of parts) {
            move(part.item, part.warehouse, part.sub.location, part.sub.batch, part.quantity.times(-1));
            productionParts.push({ ProductionId: id, Reference: text('RfCs'), ItemCode: part.item, Unit: part.unit, Quantity: part.quantity.toString(), Warehouse: part.warehouse, Location: part.sub.location, Batch: part.sub.batch });
          }
        }
        return {};
      }
      case 'PtRealization': {
        if (text('VaIt') === '1' && !workTypes.has(text('ItCd'))) throw new Error(`Werksoort ${text('ItCd')} bestaat niet (work type ${text('ItCd')} does not exist)`);
        realizations.push({ Id: id, ExternalKey: text('XpRe'), WorkType: text('ItCd'), Employee: text('EmId'), Quantity: new Big(text('Qu') || '0').toString(), Date: text('DaTi'), Description: text('Ds') });
        return { PtRealization: { Id: id } };
      }
      case 'FbAssemblyPrep': {
        const number = text('OrNu');
        if (ordersShown().some((o) => String(o.OrderNumber) === number)) throw new Error(`Voorbereiding ${number} bestaat al (production order ${number} exists)`);
        if (!warehouses.has(text('War'))) throw new Error(`Magazijn ${text('War')} bestaat niet (warehouse ${text('War')} does not exist)`);
        const [line] = children(element, 'FbAssemblyLines').map((l) => stockLine(l, text('War')));
        if (!line) throw new Error('Een voorbereiding zonder regel (a production order needs a line)');
        preparations.push({ Id: id, OrderNumber: number, ItemCode: line.item, Quantity: line.quantity.toString(), QuantityProduced: 0, Unit: line.unit, Status: 'Vrijgegeven', Reference: text('RfCs') });
        return {};
      }
      case 'FbWarTransferPrep': {
        for (const w of [text('War'), text('Wa2')]) if (!warehouses.has(w)) throw new Error(`Magazijn ${w} bestaat niet (warehouse ${w} does not exist)`);
        if (text('War') === text('Wa2')) throw new Error('Bron- en doelmagazijn zijn gelijk (source and target warehouse are the same)');
        const lines = children(element, 'FbWarTransferLines').map((line) => ({ ...stockLine(line, text('War')), guid: String((line.Fields as Row).GuLi ?? '') }));
        warehouseTransfers.push({ Id: id, OrderNumber: `OV${id}`, Step: 'prep', Reference: text('RfCs'), From: text('War'), To: text('Wa2'), Lines: lines.map((l) => ({ item: l.item, unit: l.unit, quantity: l.quantity.toString(), batch: l.sub.batch, guid: l.guid })) });
        return {};
      }
      case 'FbWarTransferOut': {
        const prep = warehouseTransfers.find((t) => t.Step === 'prep' && t.OrderNumber === text('SoOr'));
        if (!prep) throw new Error(`Voorbereiding ${text('SoOr')} bestaat niet (no warehouse transfer preparation ${text('SoOr')})`);
        const prepared = prep.Lines as { item: string; quantity: string }[];
        const lines = children(element, 'FbWarTransferLines').map((line) => stockLine(line, String(prep.From)));
        for (const l of lines) {
          const planned = prepared.find((p) => p.item === l.item);
          if (!planned || l.quantity.gt(planned.quantity)) throw new Error(`Meer uitgeleverd dan voorbereid voor ${l.item} (more dispatched than prepared)`);
        }
        for (const l of lines) move(l.item, String(prep.From), l.sub.location, l.sub.batch, l.quantity.times(-1));
        warehouseTransfers.push({ Id: id, OrderNumber: `UL${id}`, Step: 'out', Reference: text('RfCs'), From: prep.From, To: prep.To, Preparation: prep.OrderNumber, Lines: lines.map((l) => ({ item: l.item, unit: l.unit, quantity: l.quantity.toString(), batch: l.sub.batch })) });
        return {};
      }
      case 'FbWarTransferIn': {
        const out = warehouseTransfers.find((t) => t.Step === 'out' && t.OrderNumber === text('SoWo'));
        if (!out) throw new Error(`Uitleverbon ${text('SoWo')} bestaat niet (no dispatch slip ${text('SoWo')})`);
        if (warehouseTransfers.some((t) => t.Step === 'in' && t.Dispatch === out.OrderNumber)) throw new Error(`Uitleverbon ${text('SoWo')} is al ontvangen (dispatch slip ${text('SoWo')} was received already)`);
        const dispatched = out.Lines as { item: string; unit: string; quantity: string; batch: string }[];
        for (const line of children(element, 'FbWarTransferLines')) {
          const item = String((line.Fields as Row).ItCd);
          const sent = dispatched.find((d) => d.item === item);
          if (!sent) throw new Error(`Artikel ${item} is niet uitgeleverd met ${text('SoWo')} (item not on the dispatch slip)`);
          const location = children(line, 'FbOrderLocationLines')[0]?.Fields as Row | undefined;
          move(item, String(out.To), location ? String(location.Loc) : '', sent.batch, new Big(sent.quantity));
        }
        warehouseTransfers.push({ Id: id, OrderNumber: `ON${id}`, Step: 'in', Reference: text('RfCs'), From: out.From, To: out.To, Dispatch: out.OrderNumber });
        return {};
      }
      case 'FiEntries': {
        const year = Number(text('Year'));
        const period = Number(text('Peri'));
        if (!journals.has(text('JoCo'))) throw new Error(`Dagboek ${text('JoCo')} bestaat niet (journal ${text('JoCo')} does not exist)`);
        if (blockedPeriods.has(`${year}/${period}`)) throw new Error(`Periode ${year}/${period} is geblokkeerd voor boekingen (the booking period ${year}/${period} is blocked)`);
        const lines = children(element, 'FiEntries').map((line) => line.Fields as Row);
        for (const line of lines) if (!accounts.has(String(line.AcNr))) throw new Error(`Grootboekrekening ${String(line.AcNr)} bestaat niet (ledger account ${String(line.AcNr)} does not exist)`);
        const amount = (v: unknown) => new Big(v === undefined || v === '' ? '0' : String(v));
        const debit = lines.reduce((t, l) => t.plus(amount(l.AmDe)), new Big(0));
        const credit = lines.reduce((t, l) => t.plus(amount(l.AmCr)), new Big(0));
        if (!debit.eq(credit)) throw new Error(`De boeking is niet in balans: debet ${debit.toString()}, credit ${credit.toString()} (the entry does not balance)`);
        // The journal's counter numbers the entry (the bridge sends EnNo 0).
        lines.forEach((line, i) =>
          transactions.push({ UnitId: Number(text('UnId') || '1'), EntryNo: id, SeqNo: i + 1, Year: year, Period: period, JournalId: text('JoCo'), AccountNo: String(line.AcNr), AmtDebit: amount(line.AmDe).toString(), AmtCredit: amount(line.AmCr).toString(), EntryDate: String(line.EnDa), VoucherNo: String(line.BpNr ?? ''), Description: String(line.Ds ?? '') }),
        );
        return {};
      }
    }
  }

  app.post('/ProfitRestServices/connectors/:connector', async (request: FastifyRequest, reply) => {
    const { connector } = request.params as { connector: string };
    if (!(connector in afasConnectors)) return reply.status(404).send({ externalMessage: `Connector ${connector} bestaat niet of de gebruiker is niet geautoriseerd` });
    let body: Row;
    try {
      body = JSON.parse(String(request.body ?? '')) as Row;
    } catch {
      return validation(reply, 'De aangeleverde JSON is ongeldig (the JSON is not valid)');
    }
    const problems = afasContractProblems(connector as AfasConnector, 'POST', body);
    if (problems.length > 0) return validation(reply, `Validatie mislukt: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
    let results: Row;
    try {
      results = book(connector as AfasConnector, body);
    } catch (error) {
      return validation(reply, error instanceof Error ? error.message : String(error));
    }
    if (fault.loseAnswer === true || fault.loseAnswer === connector) {
      // AFAS finishes what it started; the client that gave up never hears.
      fault = { ...fault, loseAnswer: undefined };
      request.raw.socket.destroy();
      return reply;
    }
    const slow = fault.slowAnswer;
    if (slow && (slow.connector === undefined || slow.connector === connector)) {
      // Booked, but answered after the client's timeout: AFAS's own limit is 900 s.
      fault = { ...fault, slowAnswer: undefined };
      await new Promise((resolve) => setTimeout(resolve, slow.ms));
    }
    return reply.status(201).send({ results: { [connector]: results[connector] ?? {} } });
  });

  app.get('/ProfitRestServices/connectors/:connector', async (request, reply) => {
    const { connector } = request.params as { connector: string };
    if (fault.readDelayMs) await new Promise((resolve) => setTimeout(resolve, fault.readDelayMs));
    const standard: Record<string, () => Row[]> = {
      Profit_Article: () => [...items].map(([code, item]) => ({ ItemCode: code, Description: item.description, UnitId: item.unit, Blocked: false, Stock: true, BitDecimals: item.decimals })),
      Profit_Composition: () => compositions,
      Profit_Transactions: () => transactions,
      Profit_Warehouses: () => [...warehouses].map((code) => ({ Warehouse: code, Description: code, Blocked: false })),
      Profit_Stock_per_Warehouse: () => [...stock].map(([key, quantity]) => ({ Basisartikeltype_code: 'A', Item_code: key.split('|')[0], In_stock: Number(quantity), Unit: items.get(key.split('|')[0]!)?.unit ?? '' })),
    };
    const rows =
      connector === names.stockMutations ? stockMutations
      : connector === names.productions ? productions
      : connector === names.realizations ? realizations
      : connector === (names.warehouseTransfers ?? 'Shopfloor_WarehouseTransfers') ? warehouseTransfers.map(({ Lines: _lines, ...row }) => row)
      : connector === productionOrdersConnector ? ordersShown()
      : (published.get(connector) ?? standard[connector]?.());
    if (!rows) return reply.status(404).send({ externalMessage: `GetConnector ${connector} bestaat niet of de gebruiker is niet geautoriseerd` });
    const q = request.query as Record<string, string | undefined>;
    if ((q.skip !== undefined || q.take !== undefined) && !q.orderbyfieldids) return validation(reply, 'orderbyfieldids is verplicht bij skip en take (rows may be missed or repeated without it)');
    const fields = q.filterfieldids ? q.filterfieldids.split(',') : [];
    const values = q.filtervalues ? q.filtervalues.split(',') : [];
    const operators = q.operatortypes ? q.operatortypes.split(',') : [];
    if (fields.length !== values.length || fields.length !== operators.length || operators.some((o) => o !== '1')) return validation(reply, 'filterfieldids, filtervalues and operatortypes must match, with operator 1 (=) in this simulator');
    const order = q.orderbyfieldids?.replace(/^-/, '');
    const matching = rows.filter((r) => fields.every((f, i) => String(r[f] ?? '') === values[i]));
    const compare = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a ?? '').localeCompare(String(b ?? '')));
    if (order) matching.sort((a, b) => compare(a[order], b[order]) * (q.orderbyfieldids!.startsWith('-') ? -1 : 1));
    const skip = Number(q.skip ?? 0);
    const take = Number(q.take ?? 100);
    return { skip, take, rows: take === -1 ? matching.slice(skip) : matching.slice(skip, skip + take) };
  });

  app.get('/_simulator/ledger', async () => ledger());
  const ledger = () => ({
    stockMutations: [...stockMutations],
    productions: [...productions],
    productionParts: [...productionParts],
    transactions: [...transactions],
    preparations: [...preparations],
    warehouseTransfers: [...warehouseTransfers],
    realizations: [...realizations],
    stock: [...stock].map(([key, quantity]) => {
      const [item, warehouse, location, batch] = key.split('|');
      return { item, warehouse, location, batch, quantity: quantity.toString() };
    }),
  });

  return {
    stockMutations,
    productions,
    productionParts,
    realizations,
    ledger,
    seedItem: (code: string, unit: string, options: { decimals?: number; description?: string } = {}) => items.set(code, { unit, decimals: options.decimals ?? 0, description: options.description ?? code }),
    /** A composition (an assembled item's parts, per one of it). */
    seedComposition(composition: string, parts: { item: string; quantity: number }[]) {
      parts.forEach((part, i) => compositions.push({ CompositionId: composition, ItemCode: part.item, Quantity: part.quantity, PresentationSeqno: i + 1, Blocked: false, UnitId: items.get(composition)?.unit ?? '' }));
    },
    seedWarehouse: (code: string) => warehouses.add(code),
    seedJournal: (code: string) => journals.add(code),
    /** A GetConnector the customer defined, with the rows it shows (kept: later changes to them show too). */
    publishGetConnector: (name: string, rows: Row[]) => published.set(name, rows),
    seedAccount: (...codes: string[]) => codes.forEach((code) => accounts.add(code)),
    /** Closes a booking period for entries (Profit: the period blocked), or opens it again. */
    blockPeriod(year: number, period: number, blocked = true) {
      if (blocked) blockedPeriods.add(`${year}/${period}`);
      else blockedPeriods.delete(`${year}/${period}`);
    },
    /** What the ledger holds per account: debit less credit. */
    balances() {
      const byAccount = new Map<string, Big>();
      for (const t of transactions) byAccount.set(String(t.AccountNo), (byAccount.get(String(t.AccountNo)) ?? new Big(0)).plus(String(t.AmtDebit)).minus(String(t.AmtCredit)));
      return Object.fromEntries([...byAccount].map(([account, balance]) => [account, balance.toString()]));
    },
    seedWorkType: (code: string) => workTypes.add(code),
    /** The next post (to that connector, if named) is booked, and its answer lost. */
    loseNextAnswer(connector?: AfasConnector) {
      fault = { ...fault, loseAnswer: connector ?? true };
    },
    /** The next post (to that connector, if named) is booked at once and answered only after `ms`: a client with a shorter timeout gives up on a post that is in. */
    answerNextPostAfter(ms: number, connector?: AfasConnector) {
      fault = { ...fault, slowAnswer: { ms, connector } };
    },
    failNext(status: number, retryAfterSeconds?: number) {
      fault = { ...fault, status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
    },
    /** Every GetConnector call takes this long (undefined: none), so calls overlap as on a busy environment. */
    slowReads(ms: number | undefined) {
      fault = { ...fault, readDelayMs: ms };
    },
    /** A maintenance window: every call answers 503 with `retry_after` until it ends. */
    maintenance(retryAfterSeconds: number | undefined) {
      fault = { ...fault, maintenanceSeconds: retryAfterSeconds };
    },
    async listen(port = 0, host = '127.0.0.1'): Promise<string> {
      await app.listen({ port, host });
      return `http://${host}:${(app.server.address() as AddressInfo).port}/ProfitRestServices`;
    },
    close: () => app.close(),
  };
}

export type AfasSimulator = ReturnType<typeof createAfasSimulator>;
