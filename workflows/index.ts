export { orderWorkflow } from './order';
export { shipmentWorkflow } from './shipment';
export { sweepWorkflow } from './sweep';
export { wakeBackordersWorkflow } from './wake-backorders';
