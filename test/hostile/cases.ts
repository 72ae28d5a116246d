// Every hostile case, by vector family. The folder `cases/<name>/` of each holds its README (with the
// expected code) and any small committed inputs.
import type { HostileCase } from './harness';
import { archiveCases } from './vectors/archive';
import { displayCases } from './vectors/display';
import { keyCases } from './vectors/keys';
import { pathCases } from './vectors/paths';
import { provCases } from './vectors/prov';

export const allCases: HostileCase[] = [...provCases, ...pathCases, ...keyCases, ...displayCases, ...archiveCases];

export function findCase(name: string): HostileCase | undefined {
  return allCases.find((c) => c.name === name);
}
