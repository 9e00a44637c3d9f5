/**
 * Inspection results an order keeps for an ERP with quality management: the latest result
 * per inspection and characteristic (a new measurement replaces the last; a withdrawn one
 * goes), at most INSPECTION_RESULTS_KEPT an order, so the state stays bounded.
 */
import type { QualityResult } from './events';
import { entryOf, hasEntry, keyed } from './keyed';
import type { Decimal } from './quantity';

export const INSPECTION_RESULTS_KEPT = 200;

export interface InspectionRecord {
  inspection: string;
  characteristic: string;
  result: 'accepted' | 'rejected';
  measuredValue?: Decimal;
  operation?: string;
  date: string;
}

export function inspectionResultKey(inspection: string, characteristic: string): string {
  return `${inspection}|${characteristic}`;
}

/** The results with the latest of a characteristic (sign 1), or without the one taken back (-1: a correction withdrew the event that gave it); why not, as a refusal. */
export function recordInspectionResult(results: Readonly<Record<string, InspectionRecord>>, event: QualityResult & { characteristic: string }, sign: 1 | -1, date: string): Record<string, InspectionRecord> | string {
  const key = inspectionResultKey(event.inspection, event.characteristic);
  if (sign === -1) {
    const current = entryOf(results, key);
    if (!current || current.result !== event.result || current.measuredValue !== event.measuredValue) return results;
    return keyed(Object.entries(results).filter(([k]) => k !== key));
  }
  if (!hasEntry(results, key) && Object.keys(results).length >= INSPECTION_RESULTS_KEPT) {
    return `records a ${INSPECTION_RESULTS_KEPT + 1}th characteristic on one order; the bridge keeps ${INSPECTION_RESULTS_KEPT}: record the rest in the ERP's quality management`;
  }
  const record: InspectionRecord = {
    inspection: event.inspection,
    characteristic: event.characteristic,
    result: event.result,
    ...(event.measuredValue !== undefined ? { measuredValue: event.measuredValue } : {}),
    ...(event.operation ? { operation: event.operation } : {}),
    date,
  };
  return keyed([...Object.entries(results), [key, record] as const]);
}
