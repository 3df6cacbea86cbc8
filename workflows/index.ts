export { orderWorkflow } from './order';
export { returnWorkflow } from './returns';
export { shipmentWorkflow } from './shipment';
export { sweepWorkflow } from './sweep';
export { wakeBackordersWorkflow } from './wake-backorders';
