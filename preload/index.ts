import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBillingClient } from './client';
import { eventChannel, invokeChannelPrefix } from './ipc-names';

const billing = createBillingClient({
  invoke: (channel, args) => ipcRenderer.invoke(invokeChannelPrefix + channel, args),
  subscribe(onMessage) {
    const listener = (_event: Electron.IpcRendererEvent, message: unknown) => onMessage(message);
    ipcRenderer.on(eventChannel, listener);
    return () => ipcRenderer.off(eventChannel, listener);
  },
  // A dropped file's path is only known here; the main process then opens it like a chosen file.
  pathForFile: (file) => Promise.resolve(webUtils.getPathForFile(file)),
});

contextBridge.exposeInMainWorld('billing', billing);
