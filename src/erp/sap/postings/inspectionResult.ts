/**
 * A characteristic's result as a summarised result of the order's inspection lot
 * (API_INSPECTIONLOT_SRV, A_InspectionResult): the lot of the order's goods receipt (origin
 * 04; or the lot the floor names by its number), the characteristic found among the lot's by
 * its master inspection characteristic or its text, the measured value as the original
 * value, the judgement as valuation A or R. The short key is the result's text, so a retry
 * finds what this posting recorded; a changed value changes the result (a PATCH). SAP keeps
 * no results once the lot's usage decision is made, so the hold posts after them.
 */
import type { InspectionResult } from '../../../domain/postings';
import { ErpError } from '../../adapter';
import { odataString } from '../../http/odata';
import { type SapContext, sapOrderNumber } from '../context';
import { shortKey } from '../../postingKeys';
import { type SapPostingKind, documentIds } from './kind';

const SERVICE = 'API_INSPECTIONLOT_SRV';

interface Characteristic {
  InspectionLot: string;
  InspPlanOperationInternalID: string;
  InspectionCharacteristic: string;
  InspectionSpecification: string;
  InspectionSpecificationText: string;
}

interface Result {
  InspectionLot: string;
  InspPlanOperationInternalID: string;
  InspectionCharacteristic: string;
  InspectionResultText: string;
}

const resultPath = (c: Pick<Characteristic, 'InspectionLot' | 'InspPlanOperationInternalID' | 'InspectionCharacteristic'>) =>
  `A_InspectionResult(InspectionLot=${odataString(c.InspectionLot)},InspPlanOperationInternalID=${odataString(c.InspPlanOperationInternalID)},InspectionCharacteristic=${odataString(c.InspectionCharacteristic)})`;

async function characteristicOf(document: InspectionResult, sap: SapContext): Promise<Characteristic> {
  const lots = /^\d{1,12}$/.test(document.inspection)
    ? [document.inspection.padStart(12, '0')]
    : (
        await sap.transport.rows<{ InspectionLot: string }>(SERVICE, 'A_InspectionLot', {
          filter: `ManufacturingOrder eq ${odataString(sapOrderNumber(document.erpOrderReference))} and InspectionLotOrigin eq '04'`,
          select: ['InspectionLot'],
          top: 50,
        })
      )
        .map((l) => l.InspectionLot)
        .sort()
        .reverse();
  if (lots.length === 0) throw new ErpError(`SAP holds no inspection lot of order ${document.erpOrderReference} for ${document.characteristic}: is the material inspected on goods receipt (inspection type 04)?`, 'needsPerson', 'NoInspectionLot');
  const characteristics = await sap.transport.rows<Characteristic>(SERVICE, 'A_InspectionCharacteristic', {
    filter: `InspectionLot eq ${odataString(lots[0]!)}`,
    select: ['InspectionLot', 'InspPlanOperationInternalID', 'InspectionCharacteristic', 'InspectionSpecification', 'InspectionSpecificationText'],
    top: 200,
  });
  const wanted = document.characteristic.toUpperCase();
  const found = characteristics.find((c) => c.InspectionSpecification.toUpperCase() === wanted || c.InspectionSpecificationText.toUpperCase() === wanted);
  if (!found) {
    throw new ErpError(
      `inspection lot ${lots[0]} has no characteristic ${document.characteristic} (it has ${characteristics.map((c) => c.InspectionSpecification || c.InspectionSpecificationText).join(', ') || 'none'}); map the floor's name to the master inspection characteristic`,
      'needsPerson',
      'UnknownCharacteristic',
    );
  }
  return found;
}

async function existing(sap: SapContext, characteristic: Characteristic): Promise<Result | undefined> {
  const rows = await sap.transport.rows<Result>(SERVICE, 'A_InspectionResult', {
    filter: `InspectionLot eq ${odataString(characteristic.InspectionLot)} and InspPlanOperationInternalID eq ${odataString(characteristic.InspPlanOperationInternalID)} and InspectionCharacteristic eq ${odataString(characteristic.InspectionCharacteristic)}`,
    select: ['InspectionLot', 'InspPlanOperationInternalID', 'InspectionCharacteristic', 'InspectionResultText'],
    top: 1,
  });
  return rows[0];
}

const idOf = (c: Pick<Characteristic, 'InspectionLot' | 'InspPlanOperationInternalID' | 'InspectionCharacteristic'>) => documentIds.inspectionResult(c.InspectionLot, c.InspPlanOperationInternalID, c.InspectionCharacteristic);

export const inspectionResult: SapPostingKind<InspectionResult> = {
  async post(document, key, sap) {
    const characteristic = await characteristicOf(document, sap);
    const values = {
      ...(document.measuredValue !== undefined ? { InspectionResultOriginalValue: document.measuredValue } : {}),
      InspectionValuationResult: document.result === 'accepted' ? 'A' : 'R',
      InspectionResultText: shortKey(key),
    };
    const keys = { InspectionLot: characteristic.InspectionLot, InspPlanOperationInternalID: characteristic.InspPlanOperationInternalID, InspectionCharacteristic: characteristic.InspectionCharacteristic };
    if (await existing(sap, characteristic)) {
      // A later result of the same characteristic (a correction): SAP's summarised result changes.
      await sap.transport.merge(SERVICE, resultPath(characteristic), sap.checked(SERVICE, 'A_InspectionResult', { ...keys, ...values }));
    } else {
      await sap.transport.create(SERVICE, 'A_InspectionResult', sap.checked(SERVICE, 'A_InspectionResult', { ...keys, ...values }));
    }
    return { erpDocumentId: idOf(characteristic), foundExisting: false };
  },
  async find(document, key, sap) {
    const characteristic = await characteristicOf(document, sap);
    const found = await existing(sap, characteristic);
    return found?.InspectionResultText === shortKey(key) ? { erpDocumentId: idOf(found), foundExisting: true } : undefined;
  },
  reverse: () => Promise.reject(new ErpError('an inspection result is not reversed: a correction records the characteristic again', 'needsPerson', 'NotReversible')),
  findReversal: async () => undefined,
};
