import { describe, expect, it } from 'vitest';
import { createTaskRegistry } from '../../../main/files/tasks';

describe('the task registry', () => {
  it('a cancel for a task not registered yet is applied when it starts, once', () => {
    const tasks = createTaskRegistry();
    expect(tasks.cancel('save-1')).toBe(false);
    const first = tasks.start('save-1');
    expect(first.signal.aborted).toBe(true);
    tasks.finish('save-1', first);
    // Used up: the same id runs normally the next time.
    const again = tasks.start('save-1');
    expect(again.signal.aborted).toBe(false);
    expect(tasks.cancel('save-1')).toBe(true);
    expect(again.signal.aborted).toBe(true);
  });

  it('an early cancel is held only for a short time', () => {
    let t = 0;
    const tasks = createTaskRegistry({ holdMs: 10_000, now: () => t });
    tasks.cancel('slow-start');
    tasks.cancel('quick-start');
    t = 9_000;
    expect(tasks.start('quick-start').signal.aborted).toBe(true);
    t = 10_001;
    expect(tasks.start('slow-start').signal.aborted).toBe(false);
  });

  it('holds a bounded number of early cancels, dropping the oldest', () => {
    const tasks = createTaskRegistry({ heldIds: 32 });
    for (let i = 0; i < 10_000; i++) tasks.cancel(`flood-${i}`);
    expect(tasks.heldCancels).toBe(32);
    expect(tasks.start('flood-0').signal.aborted).toBe(false);
    expect(tasks.start('flood-9967').signal.aborted).toBe(false);
    expect(tasks.start('flood-9968').signal.aborted).toBe(true);
    expect(tasks.start('flood-9999').signal.aborted).toBe(true);
    expect(tasks.heldCancels).toBe(30);
  });

  it('a cancel that comes just after its task finished is not held against a new task with that id', () => {
    const tasks = createTaskRegistry();
    const done = tasks.start('export-1');
    tasks.finish('export-1', done);
    expect(tasks.cancel('export-1')).toBe(false);
    expect(tasks.heldCancels).toBe(0);
    expect(tasks.start('export-1').signal.aborted).toBe(false);
  });
});
