export { cosine } from './cosine-schedule';
export {
  genmd4LogMaskLikelihood,
  genmd4MaskProbability,
  genmd4TokenExponents,
} from './genmd4-mask-likelihood';
export type { GenMD4ScheduleConfig, Schedule, StateDependentSchedule } from './genmd4-schedule';
export { genmd4Schedule, genmd4ScheduleFromJSON, inverseSoftplus } from './genmd4-schedule';
export { geometric } from './geometric-schedule';
export { linear } from './linear-schedule';
export type { MaskingSchedule, ScheduleConfig } from './masking-schedule';
export { DEFAULT_EPS } from './masking-schedule';
export { parseSchedule, scheduleFromJSON } from './parse-schedule';
export { polynomial } from './polynomial-schedule';
export { timeGrid } from './time-grid';
