/** Why a forecast request was refused; the API answers it as a 4xx carrying this code. */
export type ForecastErrorCode =
  | 'horizon_out_of_range'
  | 'history_too_short'
  | 'invalid_history'
  | 'invalid_date'
  | 'invalid_event'
  | 'service_level_out_of_range'
  | 'lead_time_out_of_range';

/** Bad input to the forecast functions: a RangeError, so callers that only know RangeError still catch it. */
export class ForecastInputError extends RangeError {
  constructor(
    readonly code: ForecastErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ForecastInputError';
  }
}
