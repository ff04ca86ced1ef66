// Entry of the Electron main process. Everything that imports `electron` lives in ./electron.
import './electron/main';
