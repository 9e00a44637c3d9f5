/** Refused input is recorded, and its sender's first refusal of the hour raised as an alert. */
import type { RejectedInputs } from '../audit/rejectedInputs';
import { type Alert, rejectedInputAlert } from '../domain/alerts';

export function alertingRejectedInputs(inner: RejectedInputs, raiseAlert: (alert: Alert) => Promise<void>): RejectedInputs {
  /** Alerts this process raised in the current hour: a flood of bad input costs one raise per sender. */
  let raised = { hour: '', keys: new Set<string>() };
  return {
    ...inner,
    async record(input) {
      await inner.record(input);
      const hour = new Date().toISOString().slice(0, 13);
      if (raised.hour !== hour) raised = { hour, keys: new Set() };
      const alert = rejectedInputAlert(input, hour);
      if (raised.keys.has(alert.key)) return;
      raised.keys.add(alert.key);
      // The record is what must not be lost; an alert that cannot be raised is logged.
      await raiseAlert(alert).catch((error: unknown) => console.error(`refused input from ${input.source ?? input.reference} could not be alerted: ${String(error)}`));
    },
  };
}
