/**
 * Demand classification of Syntetos and Boylan (2005): the average inter-demand interval (ADI) says
 * how often demand occurs, the squared coefficient of variation (CV²) of the non-zero demands how much
 * their size varies. The cut-offs are where Croston-type methods start to beat exponential smoothing.
 */
export type DemandPattern = 'smooth' | 'erratic' | 'intermittent' | 'lumpy';

export const ADI_CUT = 1.32;
export const CV2_CUT = 0.49;

export interface DemandClassification {
  pattern: DemandPattern;
  /** Days per day with demand (days / demandDays); null when no day had demand. */
  adi: number | null;
  /** Population variance / mean² of the non-zero daily demands; null when no day had demand. */
  cv2: number | null;
  days: number;
  demandDays: number;
}

/**
 * smooth: ADI < 1.32 and CV² < 0.49; erratic: ADI < 1.32, CV² ≥ 0.49; intermittent: ADI ≥ 1.32,
 * CV² < 0.49; lumpy: both high. A history without any demand is intermittent: there is no level to
 * smooth, and Croston's estimate of it is zero.
 */
export function classifyDemand(history: readonly number[]): DemandClassification {
  const sizes = history.filter((units) => units > 0);
  const days = history.length;
  const demandDays = sizes.length;
  if (demandDays === 0) return { pattern: 'intermittent', adi: null, cv2: null, days, demandDays };
  const mean = sizes.reduce((sum, units) => sum + units, 0) / demandDays;
  const variance = sizes.reduce((sum, units) => sum + (units - mean) ** 2, 0) / demandDays;
  const adi = days / demandDays;
  const cv2 = variance / mean ** 2;
  const frequent = adi < ADI_CUT;
  const steady = cv2 < CV2_CUT;
  const pattern: DemandPattern = frequent ? (steady ? 'smooth' : 'erratic') : steady ? 'intermittent' : 'lumpy';
  return { pattern, adi, cv2, days, demandDays };
}
