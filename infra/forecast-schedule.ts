import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { DEFAULT_FORECAST_SETTINGS, type ForecastSettings } from '../activities/forecasts';
import { type ForecastingInput, forecastingWorkflowId } from '../workflows/forecasting-definitions';

export const forecastingScheduleId = (taskQueue: string): string => `forecasting:${taskQueue}`;

/** The hour (UTC) the nightly run starts: after the day's shipments, before the morning's replenishment. */
export const FORECAST_HOUR_UTC = 2;

/** What the forecasting Schedule starts: a run over the whole catalog. */
export function forecastingScheduleAction(taskQueue: string, settings: ForecastSettings = DEFAULT_FORECAST_SETTINGS) {
  const args: [ForecastingInput] = [{ settings }];
  return { type: 'startWorkflow' as const, workflowType: 'forecastingWorkflow', taskQueue, args, workflowId: forecastingWorkflowId(taskQueue) };
}

/**
 * The nightly forecasting Schedule, made like the replenishment's: every replica calls this at
 * start, the first creates it, Temporal runs it once a night across all of them, and a replica
 * started with other settings updates the Schedule to them. A night missed while Temporal was down
 * is caught up within the day.
 */
export async function startForecasting(client: Client, taskQueue: string, settings: ForecastSettings = DEFAULT_FORECAST_SETTINGS): Promise<void> {
  const spec = { calendars: [{ hour: FORECAST_HOUR_UTC, minute: 0 }] };
  const action = forecastingScheduleAction(taskQueue, settings);
  try {
    await client.schedule.create({
      scheduleId: forecastingScheduleId(taskQueue),
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1d' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(forecastingScheduleId(taskQueue)).update((previous) => ({ ...previous, spec, action }));
  }
}
