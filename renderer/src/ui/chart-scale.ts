/** Axis arithmetic for `BarChart.svelte`, kept apart so it can be tested without a DOM. */

/** A round step (1, 2 or 5 times a power of ten) that cuts `range` into about `count` parts. */
export function niceStep(range: number, count = 4, minStep = 1): number {
  if (!(range > 0)) return minStep;
  const raw = range / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const r = raw / magnitude;
  const nice = r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10;
  return Math.max(minStep, nice * magnitude);
}

/** Axis ticks from the lowest to the highest value, zero always included. */
export function ticksFor(values: readonly number[], count = 4, minStep = 1): number[] {
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  const step = niceStep(hi - lo, count, minStep);
  const first = Math.floor(lo / step) * step;
  const last = Math.ceil(hi / step) * step || step;
  const ticks: number[] = [];
  for (let t = first; t <= last + step / 2; t += step) ticks.push(Math.round(t / step) * step);
  return ticks;
}
