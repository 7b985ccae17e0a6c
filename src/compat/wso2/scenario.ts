import type { Request } from 'express';
import { IdentityError } from './errors.js';
import type { Scenario } from './users.js';

const SCENARIOS: readonly Scenario[] = ['MOBILE_VERIFICATION_ON_UPDATE', 'MOBILE_VERIFICATION_ON_VERIFIED_LIST_UPDATE'];

/**
 * The `RecoveryScenario` property of validate-code and resend-code bodies (`properties: [{key, value}]`).
 * Absent means both scenarios (the seed's validate-code sends `properties: []`); an unknown one is refused
 * with WSO2's UAR-10011. Other properties are ignored, as WSO2 does.
 */
export function scenarioOf(req: Request): Scenario | undefined {
  const properties = (req.body as { properties?: unknown } | undefined)?.properties;
  if (properties !== undefined && !Array.isArray(properties)) throw new IdentityError(400, 'UAR-10011', 'Invalid recovery scenario', 'properties must be a list of {"key", "value"}.');
  const property = (properties ?? []).find((p: unknown) => typeof p === 'object' && p !== null && (p as { key?: unknown }).key === 'RecoveryScenario') as { value?: unknown } | undefined;
  if (!property) return undefined;
  if (!SCENARIOS.includes(property.value as Scenario)) {
    throw new IdentityError(400, 'UAR-10011', 'Invalid recovery scenario', `RecoveryScenario must be ${SCENARIOS.join(' or ')}.`);
  }
  return property.value as Scenario;
}
