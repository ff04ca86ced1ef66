/** IPC channel names shared by the preload and the Electron glue. */
export const invokeChannelPrefix = 'billing:';
export const eventChannel = 'billing:event';
