// Node-only additions (file system). Kept out of the main entry point so React Native / browser
// bundles never see `node:fs`: import from `@syncwell/client-sdk/node`.
export { FileOfflineActionStore } from './fileStore.js';
