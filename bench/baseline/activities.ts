export const baselineActivities = {
  async noop(): Promise<void> {},
};
