/**
 * Hours as AFAS realisations (PtRealization): the activity's work type (Werksoort, item type
 * 1), the employee, the hours, the key, shortened, in the external key (XpRe, 40), by which
 * the customer's realisations GetConnector finds it. A reversal is a realisation of the
 * negative hours with its own external key.
 */
import type { TimePosting } from '../../../domain/postings';
import { ErpError, type PostingResult } from '../../adapter';
import type { PostingKindIn } from '../../postingKinds';
import { shortKey } from '../../postingKeys';
import type { AfasContext } from '../context';

interface RealizationRow {
  Id: number;
  ExternalKey: string;
}

async function findByExternalKey(afas: AfasContext, key: string): Promise<PostingResult | undefined> {
  const rows = await afas.transport.get<RealizationRow>(afas.settings.getConnectors.realizations, { filters: { ExternalKey: shortKey(key) }, orderBy: 'Id', take: 2 });
  return rows[0] && { erpDocumentId: `realization:${rows[0].Id}`, foundExisting: true };
}

async function realize(afas: AfasContext, document: TimePosting, key: string, hours: string, day: string): Promise<PostingResult> {
  const employee = document.erpEmployee ?? (document.activity === 'labour' ? document.employee : undefined) ?? afas.settings.defaultEmployee;
  const results = await afas.update('PtRealization', {
    PtRealization: {
      Element: {
        Fields: {
          XpRe: shortKey(key),
          DaTi: day,
          VaIt: '1',
          ItCd: afas.settings.workTypes[document.activity],
          ...(employee ? { EmId: employee } : {}),
          Qu: hours,
          Ds: `Shopfloor order ${document.erpOrderReference}${document.operation ? ` ${document.operation}` : ''}${document.workCentre ? ` ${document.workCentre}` : ''}`.slice(0, 80),
        },
      },
    },
  });
  const id = (results.PtRealization as { Id?: number | string } | undefined)?.Id;
  if (id !== undefined) return { erpDocumentId: `realization:${id}`, foundExisting: false };
  const booked = await findByExternalKey(afas, key);
  if (!booked) throw new ErpError(`AFAS took the realisation ${shortKey(key)} but does not show it yet; looking again`, 'retryable', 'NotYetVisible', { retryAfterMs: 2000 });
  return { ...booked, foundExisting: false };
}

export const timePosting: PostingKindIn<TimePosting, AfasContext> = {
  post: (document, key, afas) => realize(afas, document, key, document.hours, document.transactionDate),
  find: (_document, key, afas) => findByExternalKey(afas, key),
  reverse: (reversal, key, afas) => realize(afas, reversal.of, key, `-${reversal.of.hours}`, reversal.transactionDate),
  findReversal: (_reversal, key, afas) => findByExternalKey(afas, key),
};
