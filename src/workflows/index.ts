// The workflows the worker bundles. Only deterministic modules may be imported from here.
export { productionOrder } from './productionOrder/workflow';
export { machine } from './machine/workflow';
export { erpPlanning } from './erpPlanning/workflow';
export { deliverAlert } from './alert/workflow';
export { periodClose } from './periodClose/workflow';
export { retention } from './retention/workflow';
export { reconciliation } from './reconciliation/workflow';
