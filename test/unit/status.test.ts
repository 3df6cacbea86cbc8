import {
  hasShipped,
  isCancellableShipment,
  isFinalOrder,
  isFinalShipment,
  isWithCarrier,
  orderStatusFromShipments,
} from '../../domain/status';
import { ORDER_STATUSES, SHIPMENT_STATUSES, ShipmentStatus } from '../../domain/types';

const BEFORE_SHIPPING: ShipmentStatus[] = ['AWAITING_PICK', 'AWAITING_PACK', 'PACKED', 'LABELLED', 'AWAITING_SUPPLIER'];
const SHIPPED_OR_LATER: ShipmentStatus[] = ['SHIPPED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'EXCEPTION', 'DELIVERED', 'LOST'];

describe('shipment status rules', () => {
  it('the two groups, CANCELLED and FAILED cover every shipment status', () => {
    expect([...BEFORE_SHIPPING, ...SHIPPED_OR_LATER, 'CANCELLED', 'FAILED'].sort()).toEqual([...SHIPMENT_STATUSES].sort());
  });

  it.each(BEFORE_SHIPPING)('%s is cancellable and not shipped', (status) => {
    expect(isCancellableShipment(status)).toBe(true);
    expect(hasShipped(status)).toBe(false);
  });

  it.each(SHIPPED_OR_LATER)('%s has shipped and can no longer be cancelled', (status) => {
    expect(isCancellableShipment(status)).toBe(false);
    expect(hasShipped(status)).toBe(true);
  });

  it('a cancelled shipment is neither cancellable again nor shipped', () => {
    expect(isCancellableShipment('CANCELLED')).toBe(false);
    expect(hasShipped('CANCELLED')).toBe(false);
  });

  it('a failed shipment is neither cancellable nor shipped: nothing of it left the building', () => {
    expect(isCancellableShipment('FAILED')).toBe(false);
    expect(hasShipped('FAILED')).toBe(false);
  });

  it('only parcels with the carrier can be lost', () => {
    expect(SHIPMENT_STATUSES.filter(isWithCarrier)).toEqual(['SHIPPED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'EXCEPTION']);
  });

  it('DELIVERED, CANCELLED, FAILED and LOST shipments are final', () => {
    expect(SHIPMENT_STATUSES.filter(isFinalShipment).sort()).toEqual(['CANCELLED', 'DELIVERED', 'FAILED', 'LOST']);
  });

  it('DELIVERED, CANCELLED, REJECTED, PAYMENT_DECLINED, FAILED and LOST orders are final', () => {
    expect(ORDER_STATUSES.filter(isFinalOrder).sort()).toEqual(['CANCELLED', 'DELIVERED', 'FAILED', 'LOST', 'PAYMENT_DECLINED', 'REJECTED']);
  });
});

describe('orderStatusFromShipments', () => {
  it.each<[ShipmentStatus[], string]>([
    [['AWAITING_PICK'], 'FULFILLING'],
    [['LABELLED', 'PACKED'], 'FULFILLING'],
    [['AWAITING_PACK', 'CANCELLED'], 'FULFILLING'],
    [['SHIPPED', 'AWAITING_PICK'], 'PARTIALLY_SHIPPED'],
    [['DELIVERED', 'LABELLED'], 'PARTIALLY_SHIPPED'],
    [['EXCEPTION', 'PACKED', 'CANCELLED'], 'PARTIALLY_SHIPPED'],
    [['SHIPPED'], 'SHIPPED'],
    [['IN_TRANSIT', 'OUT_FOR_DELIVERY', 'EXCEPTION'], 'SHIPPED'],
    [['DELIVERED', 'IN_TRANSIT'], 'SHIPPED'],
    [['DELIVERED', 'SHIPPED', 'CANCELLED'], 'SHIPPED'],
    [['DELIVERED'], 'DELIVERED'],
    [['DELIVERED', 'DELIVERED'], 'DELIVERED'],
    [['DELIVERED', 'CANCELLED'], 'DELIVERED'],
    [['CANCELLED'], 'CANCELLED'],
    [['CANCELLED', 'CANCELLED'], 'CANCELLED'],
    [[], 'CANCELLED'],
    [['FAILED'], 'FAILED'],
    [['FAILED', 'CANCELLED'], 'FAILED'],
    [['FAILED', 'LOST'], 'FAILED'],
    [['DELIVERED', 'FAILED'], 'DELIVERED'],
    [['AWAITING_PICK', 'FAILED'], 'FULFILLING'],
    [['LOST'], 'LOST'],
    [['LOST', 'CANCELLED'], 'LOST'],
    [['LOST', 'AWAITING_PICK'], 'FULFILLING'],
    [['LOST', 'DELIVERED'], 'DELIVERED'],
  ])('%j with nothing waiting for stock is %s', (shipments, expected) => {
    expect(orderStatusFromShipments(shipments, 0)).toBe(expected);
  });

  it.each<{ shipments: ShipmentStatus[] }>([
    { shipments: [] },
    { shipments: ['AWAITING_PICK'] },
    { shipments: ['SHIPPED'] },
    { shipments: ['DELIVERED'] },
    { shipments: ['CANCELLED'] },
    { shipments: ['DELIVERED', 'CANCELLED'] },
  ])('$shipments stays BACKORDERED while units wait for stock', ({ shipments }) => {
    expect(orderStatusFromShipments(shipments, 1)).toBe('BACKORDERED');
  });
});
