// Every hostile case, by vector family. The folder `cases/<name>/` of each holds only its README (with
// the expected code); its inputs are made by its definition (harness.ts says how).
import type { HostileCase } from './harness';
import { archiveCases } from './vectors/archive';
import { detachedCases } from './vectors/detached';
import { displayCases } from './vectors/display';
import { keyCases } from './vectors/keys';
import { packagingCases } from './vectors/packaging';
import { pathCases } from './vectors/paths';
import { provCases } from './vectors/prov';
import { signSourceCases } from './vectors/signSource';
import { yamlCases } from './vectors/yaml';
import { policyCases } from './vectors/policy';
import { registryCases } from './vectors/registry';

export const allCases: HostileCase[] = [...provCases, ...pathCases, ...keyCases, ...displayCases, ...archiveCases, ...packagingCases, ...yamlCases, ...detachedCases, ...signSourceCases, ...policyCases, ...registryCases];

export function findCase(name: string): HostileCase | undefined {
  return allCases.find((c) => c.name === name);
}
