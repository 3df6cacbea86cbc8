import {
  hasShipped,
  isCancellableShipment,
  isFinalOrder,
  isFinalShipment,
  orderStatusFromShipments,
} from '../../domain/status';
import { ORDER_STATUSES, SHIPMENT_STATUSES, ShipmentStatus } from '../../domain/types';

const BEFORE_SHIPPING: ShipmentStatus[] = ['AWAITING_PICK', 'AWAITING_PACK', 'PACKED', 'LABELLED'];
const SHIPPED_OR_LATER: ShipmentStatus[] = ['SHIPPED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'EXCEPTION', 'DELIVERED'];

describe('shipment status rules', () => {
  it('the two groups and CANCELLED cover every shipment status', () => {
    expect([...BEFORE_SHIPPING, ...SHIPPED_OR_LATER, 'CANCELLED'].sort()).toEqual([...SHIPMENT_STATUSES].sort());
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

  it('only DELIVERED and CANCELLED shipments are final', () => {
    expect(SHIPMENT_STATUSES.filter(isFinalShipment)).toEqual(['DELIVERED', 'CANCELLED']);
  });

  it('only DELIVERED, CANCELLED, REJECTED and PAYMENT_DECLINED orders are final', () => {
    expect(ORDER_STATUSES.filter(isFinalOrder).sort()).toEqual(['CANCELLED', 'DELIVERED', 'PAYMENT_DECLINED', 'REJECTED']);
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
