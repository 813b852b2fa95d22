// Node-only helpers (file system, processes) shared by the packages' Node entry points.
export { makeDirectory } from './make-directory';
export { processAlive } from './process-alive';
export { writeFileAtomic } from './write-file-atomic';
