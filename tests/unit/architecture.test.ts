import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('environment boundaries', () => {
  it.each([
    "import fs from 'node:fs';",
    "import fs from 'fs';",
    "import { ipcRenderer } from 'electron';",
    "import keytar from 'keytar';",
    "import { createRouter } from '../../main/router/router';",
  ])('the renderer may not import %s', async (code) => {
    expect(await restrictedImports('renderer/src/lib/probe.ts', `${code}\nexport {};\n`)).toHaveLength(1);
  });

  it('the renderer may import the contract', async () => {
    expect(await restrictedImports('renderer/src/lib/probe.ts', "import type { Channel } from '../../../contract';\nexport type C = Channel;\n")).toEqual([]);
  });

  it('main may not import renderer code, and only main/electron imports electron', async () => {
    expect(await restrictedImports('main/services/probe.ts', "import App from '../../renderer/src/App.svelte';\nexport { App };\n")).toHaveLength(1);
    expect(await restrictedImports('main/services/probe.ts', "import { app } from 'electron';\nexport { app };\n")).toHaveLength(1);
    expect(await restrictedImports('main/electron/probe.ts', "import { app } from 'electron';\nexport { app };\n")).toEqual([]);
  });

  it('the contract stays free of Node and main-process code', async () => {
    expect(await restrictedImports('contract/probe.ts', "import path from 'node:path';\nexport { path };\n")).toHaveLength(1);
    expect(await restrictedImports('contract/probe.ts', "import { AppError } from '../main/http/errors';\nexport { AppError };\n")).toHaveLength(1);
  });
});
