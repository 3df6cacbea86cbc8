import { ORDER_STATUSES } from '../../domain/types';

describe('order statuses', () => {
  it('has no ALLOCATING status: nothing ever wrote it', () => {
    expect(ORDER_STATUSES).not.toContain('ALLOCATING');
  });
});
