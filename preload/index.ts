import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBillingClient } from './client';
import { dropChannel, eventChannel, invokeChannelPrefix } from './ipc-names';

/** The path Electron knows for a dropped file; '' for a File the page made (or anything that is not a File). */
function pathOf(file: File): string {
  try {
    return webUtils.getPathForFile(file);
  } catch {
    return '';
  }
}

const billing = createBillingClient({
  invoke: (channel, args) => ipcRenderer.invoke(invokeChannelPrefix + channel, args),
  subscribe(onMessage) {
    const listener = (_event: Electron.IpcRendererEvent, message: unknown) => onMessage(message);
    ipcRenderer.on(eventChannel, listener);
    return () => ipcRenderer.off(eventChannel, listener);
  },
  // A dropped file's path is only known here and goes straight to the main process, which answers
  // an id per file: the page never sees or sends a path. A File the page made has no path ('').
  drop: (files) => ipcRenderer.invoke(dropChannel, { files: files.map((file) => ({ name: String(file.name), path: pathOf(file) })) }),
});

contextBridge.exposeInMainWorld('billing', billing);
