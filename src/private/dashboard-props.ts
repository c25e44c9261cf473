import type { PanintelligenceDashboardProps } from '../props';

/**
 * The props each dashboard was created with, so `CostEstimate.ofDashboard` prices a construct
 * from the same values (and the same defaults) the construct used. A WeakMap: a dashboard's
 * props go when the dashboard does.
 */
const PROPS = new WeakMap<object, PanintelligenceDashboardProps>();

/** Called once by the dashboard's constructor. */
export function rememberProps(dashboard: object, props: PanintelligenceDashboardProps): void {
  PROPS.set(dashboard, props);
}

/** The props `dashboard` was created with, or undefined for anything else. */
export function propsOf(dashboard: object): PanintelligenceDashboardProps | undefined {
  return PROPS.get(dashboard);
}
