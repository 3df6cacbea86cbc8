/**
 * `npm run lockfile:repair`. A registry that lacks some platforms' optional binaries (e.g.
 * @swc/core-darwin-arm64) makes `npm install` leave them out of package-lock.json, and `npm ci`
 * then refuses the lock as out of sync. This adds the missing optional entries by name and
 * version; npm ci skips them where they don't apply and fetches them where they do.
 */
import fs from 'node:fs';

interface LockPackage {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
}

const file = 'package-lock.json';
const lock: { packages: Record<string, LockPackage> } = JSON.parse(fs.readFileSync(file, 'utf8'));
const added: string[] = [];
for (const [location, entry] of Object.entries(lock.packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location ? `${location}/` : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[hoisted]) continue;
    lock.packages[hoisted] = { version: range.replace(/^[\^~=]/, ''), dev: entry.dev ?? false, optional: true };
    added.push(`${name}@${lock.packages[hoisted].version}`);
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `added ${added.length} optional entries: ${added.join(', ')}` : 'package-lock.json already lists every optional dependency');
