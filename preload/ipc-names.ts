/** IPC channel names shared by the preload and the Electron glue. */
export const invokeChannelPrefix = 'billing:';
export const eventChannel = 'billing:event';
/** Dropped files: the preload sends their paths here itself, outside the invoke contract. */
export const dropChannel = 'billing-drop:open';
