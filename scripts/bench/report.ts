export interface Figure {
  name: string;
  value: number;
  unit: string;
  budget?: number;
  within?: boolean;
}

export const figures: Figure[] = [];

/** Prints one figure against its budget (the smaller the better) and keeps it for the JSON summary. */
export function report(name: string, value: number, unit: string, budget?: number): void {
  const figure: Figure = { name, value, unit };
  let verdict = '';
  if (budget !== undefined) {
    figure.budget = budget;
    figure.within = value <= budget;
    verdict = `  (budget ${budget} ${unit}: ${figure.within ? 'within' : 'OVER'})`;
  }
  figures.push(figure);
  console.log(`${name}: ${value} ${unit}${verdict}`);
}
