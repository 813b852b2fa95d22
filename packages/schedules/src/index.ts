export { cosine } from './cosine-schedule';
export { geometric } from './geometric-schedule';
export { linear } from './linear-schedule';
export type { MaskingSchedule, ScheduleConfig } from './masking-schedule';
export { DEFAULT_EPS } from './masking-schedule';
export { parseSchedule, scheduleFromJSON } from './parse-schedule';
export { polynomial } from './polynomial-schedule';
export { timeGrid } from './time-grid';
