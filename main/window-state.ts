import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './fs/atomic-write';

export interface WindowBounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: WindowBounds;
  maximized: boolean;
}

export const defaultWindowState: WindowState = { bounds: { x: 0, y: 0, width: 1200, height: 800 }, maximized: false };
const minWidth = 640;
const minHeight = 480;

function isBounds(value: unknown): value is WindowBounds {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['x', 'y', 'width', 'height'].every((k) => Number.isFinite(v[k]));
}

/**
 * Restores the saved window state, but only where it is still on screen: a window saved on a
 * monitor that is gone comes back centred on the primary display at its saved size.
 */
export function fitToDisplays(saved: WindowState, workAreas: WindowBounds[]): WindowState {
  const width = Math.max(minWidth, Math.round(saved.bounds.width));
  const height = Math.max(minHeight, Math.round(saved.bounds.height));
  const visible = workAreas.find(
    (a) =>
      saved.bounds.x + 64 <= a.x + a.width &&
      saved.bounds.x + width - 64 >= a.x &&
      saved.bounds.y >= a.y &&
      saved.bounds.y + 32 <= a.y + a.height,
  );
  if (visible) return { bounds: { x: Math.round(saved.bounds.x), y: Math.round(saved.bounds.y), width, height }, maximized: saved.maximized };
  const primary = workAreas[0] ?? { x: 0, y: 0, width: 1280, height: 800 };
  const w = Math.min(width, primary.width);
  const h = Math.min(height, primary.height);
  return {
    bounds: { x: primary.x + Math.round((primary.width - w) / 2), y: primary.y + Math.round((primary.height - h) / 2), width: w, height: h },
    maximized: saved.maximized,
  };
}

export async function loadWindowState(dir: string): Promise<WindowState> {
  try {
    const raw: unknown = JSON.parse(await fs.readFile(path.join(dir, 'window-state.json'), 'utf8'));
    if (typeof raw === 'object' && raw !== null && 'bounds' in raw && isBounds(raw.bounds)) {
      return { bounds: raw.bounds, maximized: 'maximized' in raw && raw.maximized === true };
    }
  } catch {
    // Missing or unreadable: the default size is the right answer.
  }
  return defaultWindowState;
}

export async function saveWindowState(dir: string, state: WindowState): Promise<void> {
  await writeFileAtomic(path.join(dir, 'window-state.json'), JSON.stringify(state));
}
