import type { Config } from '../infra/config';
import type { SupplierAdapter } from './adapter';
import { SandboxSupplierAdapter } from './sandbox-adapter';

/** Every dropship supplier service the engine can talk to, by name (SUPPLIER). */
const SUPPLIERS: Record<string, (config: Pick<Config, 'supplier'>) => SupplierAdapter> = {
  sandbox: ({ supplier }) => new SandboxSupplierAdapter({ baseUrl: supplier.sandboxUrl, apiKey: supplier.sandboxApiKey }),
};

export const SUPPORTED_SUPPLIERS = Object.keys(SUPPLIERS);

export function createSupplierAdapter(config: Pick<Config, 'supplier'>): SupplierAdapter {
  const { name } = config.supplier;
  if (!Object.prototype.hasOwnProperty.call(SUPPLIERS, name)) {
    throw new Error(`SUPPLIER "${name}" is not supported; supported values: ${SUPPORTED_SUPPLIERS.join(', ')}`);
  }
  return SUPPLIERS[name](config);
}
