/**
 * What a MES that subscribes is told when the ERP changes master data the floor works with:
 * a material (unit, precision, batch management), a bill of materials, a work centre. One
 * message per record as the bridge now keeps it; its id carries a fingerprint of the
 * content, so a record read again unchanged (a full read, a restart) is not news twice.
 * Pure: the notice activity reads the records and hands them in.
 */
import { sha256Hex } from './digest';
import type { BomComponent, MaterialMaster } from './masterData';
import type { ErpWorkCentre } from './planning';

/** The master data a MES may subscribe to (its source's notify.masterData). */
export const MASTER_DATA_TOPICS = ['materials', 'boms', 'workCentres'] as const;
export type MasterDataTopic = (typeof MASTER_DATA_TOPICS)[number];

/** What one read of the ERP changed, by the floor's codes (bounded: a read is a page of each set). */
export interface MasterDataChanges {
  materials: string[];
  boms: string[];
  workCentres: string[];
}

/** Codes of each kind handed to the workflow per read; the rest are told with the next read that changes them. */
export const CHANGES_CARRIED = 200;

interface NoticeBase {
  /** The same for the same content, however often it is sent: a receiver de-duplicates on it. */
  messageId: string;
  plant: string;
  erpConnection: string;
  /** When the bridge read the change. */
  at: string;
}

export type MasterDataNotice =
  | (NoticeBase & { type: 'materialChanged'; material: MaterialMaster })
  | (NoticeBase & { type: 'bomChanged'; parentMaterial: string; components: Pick<BomComponent, 'component' | 'quantityPer' | 'yieldFactor' | 'scrapAllowance'>[] })
  | (NoticeBase & { type: 'workCentreChanged'; workCentre: ErpWorkCentre });

export const topicOf: Record<MasterDataNotice['type'], MasterDataTopic> = { materialChanged: 'materials', bomChanged: 'boms', workCentreChanged: 'workCentres' };

/** What the notice is about: a material, a BOM's parent, a work centre. */
export function subjectOf(notice: MasterDataNotice): string {
  return notice.type === 'materialChanged' ? notice.material.material : notice.type === 'bomChanged' ? notice.parentMaterial : notice.workCentre.code;
}

/** A notice's content: its type and record (distributed over the kinds). */
type Content = MasterDataNotice extends infer N ? (N extends MasterDataNotice ? Omit<N, keyof NoticeBase> : never) : never;

export function masterDataNotice(content: Content, where: { plant: string; erpConnection: string }, at: string): MasterDataNotice {
  const notice = { ...content, ...where, at, messageId: '' } as MasterDataNotice;
  const fingerprint = sha256Hex(JSON.stringify(content)).slice(0, 32);
  return { ...notice, messageId: `${notice.type}:${where.erpConnection}:${where.plant}:${subjectOf(notice)}:${fingerprint}` };
}

/** At most CHANGES_CARRIED codes of each kind, each once. */
export function carriedChanges(changes: MasterDataChanges): MasterDataChanges | undefined {
  const cut = (codes: string[]) => [...new Set(codes)].slice(0, CHANGES_CARRIED);
  const carried = { materials: cut(changes.materials), boms: cut(changes.boms), workCentres: cut(changes.workCentres) };
  return carried.materials.length + carried.boms.length + carried.workCentres.length > 0 ? carried : undefined;
}

/** Changes not told yet, and those of a later read: each code once, at most CHANGES_CARRIED of each kind. */
export function mergedChanges(pending: MasterDataChanges, more: MasterDataChanges): MasterDataChanges {
  return carriedChanges({ materials: [...pending.materials, ...more.materials], boms: [...pending.boms, ...more.boms], workCentres: [...pending.workCentres, ...more.workCentres] }) ?? pending;
}
