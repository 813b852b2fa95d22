// Node-only entry point (`@md4/models/node`): checkpoint files on disk.
export { loadCheckpointDir, saveCheckpoint } from './checkpoint-files';
