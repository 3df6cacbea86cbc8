/**
 * Planned events (a promotion, a holiday, a marketing push) the history cannot know about: each
 * lifts the forecast of the days it covers by a percentage.
 */
import { isIsoDate } from './dates';
import { ForecastInputError } from './errors';

export interface PlannedEvent {
  /** First and last day the event covers, both included, as YYYY-MM-DD. */
  startDate: string;
  endDate: string;
  /** 0 or more: 50 means 1.5 times the usual demand. */
  liftPercent: number;
}

export function assertPlannedEvents(events: readonly PlannedEvent[]): void {
  events.forEach((event, index) => {
    const where = `events[${index}]`;
    if (!isIsoDate(event.startDate) || !isIsoDate(event.endDate)) throw new ForecastInputError('invalid_event', `${where}: startDate and endDate must be dates as YYYY-MM-DD`);
    if (event.endDate < event.startDate) throw new ForecastInputError('invalid_event', `${where}: endDate ${event.endDate} is before startDate ${event.startDate}`);
    if (!(Number.isFinite(event.liftPercent) && event.liftPercent >= 0)) throw new ForecastInputError('invalid_event', `${where}: liftPercent must be a number of at least 0, got ${event.liftPercent}`);
  });
}

/** The factor a day's forecast is multiplied by: 1 + lift/100 for each event covering it (overlapping events compound). */
export function eventMultiplier(date: string, events: readonly PlannedEvent[]): number {
  return events.reduce((factor, event) => (event.startDate <= date && date <= event.endDate ? factor * (1 + event.liftPercent / 100) : factor), 1);
}
