import { parseKeyCommand } from '../../api/create-key';

describe('npm run api-key', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('creates a key with its scope and expiry', () => {
    expect(
      parseKeyCommand(['create', 'client', 'Web', 'shop', '--channels', 'web,marketplace', '--customer', 'c1', '--expires-in-days', '30'], now),
    ).toEqual({
      command: 'create',
      role: 'client',
      name: 'Web shop',
      scope: { channels: ['web', 'marketplace'], customerId: 'c1', expiresAt: new Date('2026-01-31T00:00:00Z') },
    });
    expect(parseKeyCommand(['create', 'warehouse', 'Scanner', '--locations', 'WH1,WH2'], now)).toEqual({
      command: 'create',
      role: 'warehouse',
      name: 'Scanner',
      scope: { locationIds: ['WH1', 'WH2'] },
    });
  });

  it('keeps the original `<role> <name>` form', () => {
    expect(parseKeyCommand(['ops', 'Night', 'shift'])).toEqual({ command: 'create', role: 'ops', name: 'Night shift', scope: {} });
  });

  it('lists and revokes', () => {
    expect(parseKeyCommand(['list'])).toEqual({ command: 'list' });
    expect(parseKeyCommand(['revoke', 'key_1'])).toEqual({ command: 'revoke', id: 'key_1' });
  });

  it("rebinds a key's scope, and needs an id and at least one scope option", () => {
    expect(parseKeyCommand(['scope', 'key_1', '--locations', '*'])).toEqual({ command: 'scope', id: 'key_1', scope: { locationIds: ['*'] } });
    expect(() => parseKeyCommand(['scope', 'key_1'])).toThrow(/usage/);
    expect(() => parseKeyCommand(['scope', '--channels', 'web'])).toThrow(/usage/);
  });

  it('refuses unknown roles, options and bad expiries', () => {
    expect(() => parseKeyCommand(['create', 'admin', 'x'])).toThrow(/usage/);
    expect(() => parseKeyCommand(['create', 'ops', 'x', '--colour', 'red'])).toThrow(/unknown option/);
    expect(() => parseKeyCommand(['create', 'ops', 'x', '--expires-in-days', '0'])).toThrow(/positive/);
    expect(() => parseKeyCommand([])).toThrow(/usage/);
  });
});
