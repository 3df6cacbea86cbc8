import { TestEnvironment } from 'jest-environment-node';

/** Node's test environment, plus shutting down the file's Temporal runtime once every afterAll has run. */
export default class TemporalTestEnvironment extends TestEnvironment {
  async teardown(): Promise<void> {
    const runtime = (this.global as { temporalRuntime?: { shutdown(): Promise<void> } }).temporalRuntime;
    await runtime?.shutdown();
    await super.teardown();
  }
}
