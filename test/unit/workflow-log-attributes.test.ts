import { businessIdsOf } from '../../workflows/log-attributes';

it('names the order of order and shipment workflows, and the return of return workflows', () => {
  expect(businessIdsOf('order:ord_1')).toEqual({ orderId: 'ord_1' });
  expect(businessIdsOf('shipment:ord_1:2')).toEqual({ orderId: 'ord_1' });
  expect(businessIdsOf('return:ret_1')).toEqual({ returnId: 'ret_1' });
  expect(businessIdsOf('sweep')).toEqual({});
  expect(businessIdsOf('wake:release:ord_1')).toEqual({});
});
