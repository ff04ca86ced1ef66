/** Two letters for the narrow sidebar of a small window: "SpatialFlow (demo)" → "SF", "Soracom (demo)" → "So". */
export function initials(name: string): string {
  const words = name.replace(/\([^)]*\)/g, ' ').trim().split(/\s+/).filter(Boolean);
  const capitals = (words[0] ?? '').match(/\p{Lu}/gu) ?? [];
  if (words.length > 1) return ((words[0]?.[0] ?? '') + (words[1]?.[0] ?? '')).toUpperCase();
  if (capitals.length > 1) return capitals.slice(0, 2).join('');
  return (words[0] ?? name).slice(0, 2);
}

/**
 * Each account's mark in the narrow sidebar, by account id. Marks that would look alike ("ME" for
 * both "Maps EU" and "maps eu", "Fl" for two "Fleet") are numbered in sidebar order ("ME1",
 * "ME2"), in capitals so no "l" reads as a "1".
 */
export function railMarks(accounts: readonly { id: string; name: string }[]): Map<string, string> {
  const base = accounts.map((a) => initials(a.name));
  const key = (mark: string) => mark.toLocaleUpperCase();
  const counts = new Map<string, number>();
  for (const mark of base) counts.set(key(mark), (counts.get(key(mark)) ?? 0) + 1);
  const seen = new Map<string, number>();
  const marks = new Map<string, string>();
  accounts.forEach((a, i) => {
    const mark = base[i] ?? '';
    if ((counts.get(key(mark)) ?? 0) < 2) {
      marks.set(a.id, mark);
      return;
    }
    const n = (seen.get(key(mark)) ?? 0) + 1;
    seen.set(key(mark), n);
    marks.set(a.id, `${key(mark)}${n}`);
  });
  return marks;
}
