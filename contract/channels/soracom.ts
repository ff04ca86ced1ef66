export const soracomArgs = {};

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SoracomResults {}
