export { orderWorkflow } from './order';
export { shipmentWorkflow } from './shipment';
export { wakeBackordersWorkflow } from './wake-backorders';
