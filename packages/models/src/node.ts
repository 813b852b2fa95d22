// Node-only entry point (`@md4/models/node`): checkpoint and model folders on disk.
export { loadCheckpointDir, saveCheckpoint } from './checkpoint-files';
export { directoryFolder, loadModel } from './directory-folder';
export { exportMdlm } from './mdlm-export';
