/**
 * SAP IDocs as XML, for plants that integrate by IDoc rather than OData:
 * - LOIPRO (production order download, LOIPRO05 and its predecessors) in: the header
 *   E1AFKOL (AUFNR, WERKS, GAMNG/GMEIN, MATNR_LONG), its operations E1AFFLL/E1AFVOL (VORNR,
 *   ARBPL, LTXA1) with their confirmation number (E1AFVOL2-RUECK), the components of each
 *   operation E1RESBL (MATNR_LONG, BDMNG/MEINS, LGORT, BWART, RSNUM/RSPOS) and the order
 *   item E1AFPOL (LGORT of the goods receipt). EDI_DC40-DOCNUM names the IDoc.
 * - MBGMCR03 (goods movement, BAPI_GOODSMVT_CREATE) out: E1BP2017_GM_HEAD_01 with the key in
 *   HEADER_TXT and REF_DOC_NO, E1BP2017_GM_CODE, one E1BP2017_GM_ITEM_CREATE per item.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { type XmlNode, child, children, textOf } from './xml';

export interface LoiproOrder {
  docnum: string;
  order: string;
  orderType?: string;
  plant: string;
  material: string;
  quantity: string;
  unit: string;
  /** Where the order item's goods receipt goes (E1AFPOL-LGORT). */
  receiptStorageLocation?: string;
  operations: { operation: string; workCentre?: string; text?: string; confirmationGroup?: string }[];
  components: { material: string; quantity: string; unit: string; operation: string; storageLocation?: string; movementType?: string; reservation?: string; reservationItem?: string; position?: string }[];
  /** System statuses of the order (E1JSTKL-STAT), e.g. I0002 released. */
  statuses: string[];
}

const repeated = new Set(['IDOC', 'E1AFKOL', 'E1AFFLL', 'E1AFVOL', 'E1RESBL', 'E1AFPOL', 'E1JSTKL', 'E1BP2017_GM_ITEM_CREATE']);
const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: true, isArray: (name, _path, _leaf, isAttribute) => !isAttribute && repeated.has(name) });

/** SAP's numbers with their leading zeros off (AUFNR 000001895938 is order 1895938). */
const number = (node: unknown, name: string): string | undefined => textOf(node, name)?.replace(/^0+(?=\d)/, '');

export class IdocError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

function parsed(xml: string): XmlNode {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new IdocError('(document)', `is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  return parser.parse(xml) as XmlNode;
}

/** The production orders of a LOIPRO IDoc (one IDoc may carry several). */
export function parseLoipro(xml: string): LoiproOrder[] {
  const root = parsed(xml);
  const type = Object.keys(root).find((k) => k !== '?xml');
  if (!type || !/^LOIPRO0\d$/.test(type)) throw new IdocError('(document)', `is a ${type ?? 'nothing'}, not a LOIPRO IDoc`);
  const idocs = children(root[type], 'IDOC');
  if (idocs.length === 0) throw new IdocError(`${type}/IDOC`, 'is missing');
  return idocs.flatMap((idoc, i) => {
    const at = `${type}/IDOC[${i}]`;
    const docnum = number(child(idoc, 'EDI_DC40'), 'DOCNUM');
    if (!docnum) throw new IdocError(`${at}/EDI_DC40/DOCNUM`, 'is missing');
    const headers = children(idoc, 'E1AFKOL');
    if (headers.length === 0) throw new IdocError(`${at}/E1AFKOL`, 'is missing: the IDoc carries no production order');
    return headers.map((header, h): LoiproOrder => {
      const where = `${at}/E1AFKOL[${h}]`;
      const required = (field: string) => {
        const value = textOf(header, field);
        if (!value) throw new IdocError(`${where}/${field}`, 'is missing');
        return value;
      };
      const order = number(header, 'AUFNR');
      if (!order) throw new IdocError(`${where}/AUFNR`, 'is missing');
      const material = textOf(header, 'MATNR_LONG') ?? textOf(header, 'MATNR');
      if (!material) throw new IdocError(`${where}/MATNR_LONG`, 'is missing (and so is MATNR)');
      const quantity = required('GAMNG');
      if (!/^\d+(\.\d+)?$/.test(quantity)) throw new IdocError(`${where}/GAMNG`, `is not a quantity: ${quantity}`);
      const operations: LoiproOrder['operations'] = [];
      const components: LoiproOrder['components'] = [];
      for (const sequence of children(header, 'E1AFFLL')) {
        for (const op of children(sequence, 'E1AFVOL')) {
          const operation = textOf(op, 'VORNR');
          if (!operation) throw new IdocError(`${where}/E1AFFLL/E1AFVOL/VORNR`, 'is missing');
          const optional = (key: string, value: string | undefined) => (value ? { [key]: value } : {});
          operations.push({ operation, ...optional('workCentre', textOf(op, 'ARBPL')), ...optional('text', textOf(op, 'LTXA1')), ...optional('confirmationGroup', textOf(child(op, 'E1AFVOL2'), 'RUECK')) });
          for (const c of children(op, 'E1RESBL')) {
            const componentMaterial = textOf(c, 'MATNR_LONG') ?? textOf(c, 'MATNR');
            if (!componentMaterial) throw new IdocError(`${where}/E1AFVOL[${operation}]/E1RESBL/MATNR_LONG`, 'is missing');
            if (textOf(c, 'XLOEK') === 'X') continue; // deleted in SAP
            components.push({
              material: componentMaterial,
              quantity: textOf(c, 'BDMNG') ?? '0',
              unit: textOf(c, 'MEINS') ?? textOf(c, 'ENTRY_UOM') ?? '',
              operation,
              ...optional('storageLocation', textOf(c, 'LGORT')),
              ...optional('movementType', textOf(c, 'BWART')),
              ...optional('reservation', textOf(c, 'RSNUM')),
              ...optional('reservationItem', textOf(c, 'RSPOS')),
              ...optional('position', textOf(c, 'POSNR')),
            });
          }
        }
      }
      const receiptStorageLocation = textOf(child(header, 'E1AFPOL'), 'LGORT');
      const orderType = textOf(header, 'AUART');
      return {
        docnum,
        order,
        ...(orderType ? { orderType } : {}),
        plant: required('WERKS'),
        material,
        quantity,
        unit: required('GMEIN'),
        ...(receiptStorageLocation ? { receiptStorageLocation } : {}),
        operations,
        components,
        statuses: children(header, 'E1JSTKL').flatMap((s) => textOf(s, 'STAT') ?? []),
      };
    });
  });
}

export interface GoodsMovementIdoc {
  client: string;
  /** The logical systems: the bridge's (sender) and SAP's (receiver). */
  sender: string;
  receiver: string;
  postingDate: string;
  headerText: string;
  referenceDocument: string;
  code: string;
  items: { material: string; plant: string; storageLocation?: string; batch?: string; movementType: string; quantity: string; unit: string; order?: string; reservation?: string; reservationItem?: string; receivingStorageLocation?: string }[];
}

const builder = new XMLBuilder({ format: false, suppressEmptyNode: true });

/** A goods movement as an MBGMCR03 IDoc in XML, for SAP's idoc_xml service. */
export function buildMbgmcr(movement: GoodsMovementIdoc): string {
  const day = movement.postingDate.replace(/-/g, '');
  const idoc = {
    MBGMCR03: {
      IDOC: {
        EDI_DC40: { TABNAM: 'EDI_DC40', MANDT: movement.client, DIRECT: '2', IDOCTYP: 'MBGMCR03', MESTYP: 'MBGMCR', SNDPRT: 'LS', SNDPRN: movement.sender, RCVPRT: 'LS', RCVPRN: movement.receiver },
        E1MBGMCR: {
          E1BP2017_GM_HEAD_01: { PSTNG_DATE: day, DOC_DATE: day, REF_DOC_NO: movement.referenceDocument.slice(0, 16), HEADER_TXT: movement.headerText.slice(0, 25) },
          E1BP2017_GM_CODE: { GM_CODE: movement.code },
          E1BP2017_GM_ITEM_CREATE: movement.items.map((item) => ({
            MATERIAL_LONG: item.material,
            PLANT: item.plant,
            STGE_LOC: item.storageLocation,
            BATCH: item.batch,
            MOVE_TYPE: item.movementType,
            ENTRY_QNT: item.quantity,
            ENTRY_UOM: item.unit,
            ORDERID: item.order,
            RESERV_NO: item.reservation,
            RES_ITEM: item.reservationItem,
            MVT_IND: item.movementType === '101' || item.movementType === '102' ? 'F' : undefined,
            MOVE_STLOC: item.receivingStorageLocation,
          })),
        },
      },
    },
  };
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build(idoc)}`;
}

/** An MBGMCR IDoc read back into the material document it books (the simulator's side of idoc_xml). */
export function parseMbgmcr(xml: string): { headerText: string; materialDocument: Record<string, unknown> } {
  const root = parsed(xml);
  const type = Object.keys(root).find((k) => /^MBGMCR0\d$/.test(k));
  if (!type) throw new IdocError('(document)', 'is not an MBGMCR IDoc');
  const body = child(child(root[type], 'IDOC'), 'E1MBGMCR');
  const head = child(body, 'E1BP2017_GM_HEAD_01');
  const code = textOf(child(body, 'E1BP2017_GM_CODE'), 'GM_CODE');
  if (!head || !code) throw new IdocError(`${type}/E1MBGMCR`, 'has no E1BP2017_GM_HEAD_01 or GM_CODE');
  const day = (name: string) => {
    const d = textOf(head, name);
    return d && /^\d{8}$/.test(d) ? `/Date(${Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T00:00:00Z`)})/` : undefined;
  };
  const headerText = textOf(head, 'HEADER_TXT') ?? '';
  return {
    headerText,
    materialDocument: {
      GoodsMovementCode: code,
      PostingDate: day('PSTNG_DATE'),
      DocumentDate: day('DOC_DATE'),
      MaterialDocumentHeaderText: headerText,
      to_MaterialDocumentItem: {
        results: children(body, 'E1BP2017_GM_ITEM_CREATE').map((item) => ({
          Material: textOf(item, 'MATERIAL_LONG') ?? textOf(item, 'MATERIAL'),
          Plant: textOf(item, 'PLANT'),
          StorageLocation: textOf(item, 'STGE_LOC'),
          Batch: textOf(item, 'BATCH'),
          GoodsMovementType: textOf(item, 'MOVE_TYPE'),
          QuantityInEntryUnit: textOf(item, 'ENTRY_QNT'),
          EntryUnit: textOf(item, 'ENTRY_UOM'),
          ManufacturingOrder: textOf(item, 'ORDERID')?.padStart(12, '0'),
          Reservation: textOf(item, 'RESERV_NO'),
          ReservationItem: textOf(item, 'RES_ITEM'),
          IssuingOrReceivingStorageLoc: textOf(item, 'MOVE_STLOC'),
        })),
      },
    },
  };
}
