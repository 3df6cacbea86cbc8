export { adjustmentWorkflow, countCorrectionWorkflow } from './adjustment';
export { cycleCountWorkflow } from './cycle-count';
export { orderWorkflow } from './order';
export { returnWorkflow } from './returns';
export { shipmentWorkflow } from './shipment';
export { sweepWorkflow } from './sweep';
export { transferWorkflow } from './transfer';
export { wakeBackordersWorkflow } from './wake-backorders';
