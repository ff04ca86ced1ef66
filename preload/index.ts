import { contextBridge, ipcRenderer } from 'electron';
import { createBillingClient } from './client';
import { eventChannel, invokeChannelPrefix } from './ipc-names';

const billing = createBillingClient({
  invoke: (channel, args) => ipcRenderer.invoke(invokeChannelPrefix + channel, args),
  subscribe(onMessage) {
    const listener = (_event: Electron.IpcRendererEvent, message: unknown) => onMessage(message);
    ipcRenderer.on(eventChannel, listener);
    return () => ipcRenderer.off(eventChannel, listener);
  },
});

contextBridge.exposeInMainWorld('billing', billing);
