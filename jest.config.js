/** Unit, workflow (time-skipping) and integration tests share one run and one global setup. */
module.exports = {
  testEnvironment: '<rootDir>/test/temporal-environment.ts',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  setupFiles: ['<rootDir>/test/quiet-runtime.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
};
