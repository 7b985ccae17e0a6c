import { interactionPolicy, type Policy } from 'oidc-provider';

/**
 * oidc-provider's default prompts, with one more reason to ask for login.
 *
 * Rules:
 * - every authorization request identifies the device afresh: a login session from an earlier request
 *   proves nothing now, because the SIM, or the network the device is on, may have changed;
 * - when the request resumes after our interaction has just logged the device in, that login stands
 *   (otherwise the request would loop back to the interaction forever).
 *
 * @see https://github.com/camaraproject/NumberVerification (network-based authentication, no user interaction)
 */
export function createInteractionPolicy(): Policy {
  const policy = interactionPolicy.base();
  const { Check } = interactionPolicy;
  policy.get('login')?.checks.add(
    new Check('device_not_identified_for_this_request', 'the device is identified afresh for every authorization', (ctx) =>
      ctx.oidc.result?.login ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
    ),
  );
  return policy;
}
