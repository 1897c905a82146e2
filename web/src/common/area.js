// Areas are integer hundredths of a square metre everywhere; a clerk types
// square metres with at most two decimals.
export { parseHundredths as m2ToHundredths, hundredthsInput as hundredthsToM2 } from './decimal.js';

// The largest area the server takes: 1000.00 m² (100000 hundredths).
export const AREA_MAX = 100000;
