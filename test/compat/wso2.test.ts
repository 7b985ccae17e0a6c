import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPair } from 'jose';
import { loadUser, settleUser } from '../../src/compat/wso2/users.js';
import { checkOwnedCode } from '../../src/flows/otp/check-code.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import type { Device } from '../support/device.js';
import { lastCodeFor, wrongCodeFor } from '../support/sms.js';
import { wso2Headers, brokerLogs, loggedSecrets, FACADE_ENV, webhookEvents } from './support/facades.js';
import { startJwksIssuer, type JwksIssuer } from './support/jwks-issuer.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const WSO2 = 'urn:scim:wso2:schema';
// COMPAT_WSO2_DEFAULT_REGION=KR: the seed's national numbers are valid Korean mobile numbers there
const OLD = { national: '0111111111', e164: '+82111111111' };
const NEW = { national: '0123456789', e164: '+82123456789' };

describe('WSO2 mobile number verification on update facade (seed 004)', () => {
  let broker: TestBroker;
  let idp: JwksIssuer;
  let admin: Device;
  let clock = 0;
  beforeAll(async () => {
    idp = await startJwksIssuer('broker-me');
    broker = await startTestBroker({
      env: {
        ...FACADE_ENV,
        COMPAT_WSO2_DEFAULT_REGION: 'KR',
        COMPAT_WSO2_JWKS_URL: idp.jwksUrl,
        COMPAT_WSO2_ISSUER: idp.issuer,
        COMPAT_WSO2_AUDIENCE: 'broker-me',
        SMS_COUNTRIES_DENY: 'RU',
      },
      now: () => new Date(Date.now() + clock),
    });
    admin = broker.device('127.0.0.70');
  });
  afterAll(async () => {
    await broker.close();
    await idp.close();
  });

  const userUrl = (id: string) => `${broker.url}/scim2/Users/${id}`;
  const patch = (id: string, body: unknown, headers = wso2Headers(broker)) =>
    admin.request('PATCH', userUrl(id), { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/scim+json', ...headers } });
  const replaceMobile = (value: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { phoneNumbers: [{ type: 'mobile', value }] } }] });
  const replaceVerified = (value: unknown) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { [WSO2]: { verifiedMobileNumbers: value } } }] });
  const getUser = async (id: string) => (await admin.get(userUrl(id), wso2Headers(broker))).json();
  const identity = (path: string, body: object, headers: Record<string, string>) => admin.post(`${broker.url}/api/identity/user/v1.0/${path}`, body, headers);
  const asUser = async (id: string) => ({ authorization: `Bearer ${await idp.token(id)}` });
  const inboxCount = async (e164: string) => (await admin.get(`${broker.url}/sandbox/inbox?phoneNumber=${encodeURIComponent(e164)}`)).json().messages.length as number;
  const scenario = (value: string) => ({ key: 'RecoveryScenario', value });

  /** a user whose primary number is verified, made through the facade itself */
  async function userWithPrimary(id: string, number: { national: string; e164: string }) {
    expect((await patch(id, replaceMobile(number.national))).status).toBe(200);
    const code = await lastCodeFor(broker, number.e164, admin);
    expect((await identity('validate-code', { code, properties: [], user: { username: id, realm: 'PRIMARY' } }, wso2Headers(broker))).status).toBe(200);
    expect((await getUser(id)).phoneNumbers).toEqual([{ type: 'mobile', value: number.national }]);
  }

  it("the seed's primary change: PATCH → the seed's sample response (primary unchanged, pendingMobileNumber); /me/validate-code → the new number is primary, phone_number.updated fires", async () => {
    const id = '1e624046-520c-4628-a245-091e04b03f21';
    await userWithPrimary(id, OLD);
    const sentBefore = await inboxCount(NEW.e164);

    const body = '{\n "schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],\n "Operations":[{\n "op":"replace",\n "value":\n { "phoneNumbers":[{"type": "mobile", "value":"0123456789"}]}\n }]\n}';
    const res = await patch(id, body, { ...wso2Headers(broker), 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    const resource = res.json();
    expect(resource).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE, WSO2],
      id,
      userName: id,
      phoneNumbers: [{ type: 'mobile', value: '0111111111' }],
      [WSO2]: { mobileNumbers: '0111111111', verifiedMobileNumbers: '0111111111' },
      [ENTERPRISE]: { pendingMobileNumber: '0123456789' },
      meta: { location: `${broker.url}/scim2/Users/${id}`, created: expect.any(String), lastModified: expect.any(String), resourceType: 'User' },
    });
    expect(Date.parse(resource.meta.lastModified)).not.toBeNaN();
    expect(await inboxCount(NEW.e164)).toBe(sentBefore + 1);
    expect(await getUser(id)).toEqual(resource);

    const code = await lastCodeFor(broker, NEW.e164, admin);
    const validated = await identity('me/validate-code', { code, properties: [] }, await asUser(id));
    expect(validated.status).toBe(200);
    expect(validated.text).toBe('');
    expect(await getUser(id)).toMatchObject({
      phoneNumbers: [{ type: 'mobile', value: '0123456789' }],
      [WSO2]: { mobileNumbers: '0123456789,0111111111', verifiedMobileNumbers: '0111111111,0123456789' },
    });
    expect((await getUser(id))[ENTERPRISE]).toBeUndefined();
    const updates = (await webhookEvents(broker, 'phone_number.updated')).filter((e) => e.data.userId === id);
    expect(updates.map((e) => e.data)).toContainEqual({
      userId: id,
      userName: id,
      change: 'primary',
      number: NEW.e164,
      method: 'sms_otp',
      verificationId: expect.stringMatching(/^vrf_/),
      phoneNumber: NEW.e164,
      previousPhoneNumber: OLD.e164,
      verifiedMobileNumbers: [OLD.e164, NEW.e164],
    });
    // the same code again changes nothing and announces nothing
    expect((await identity('me/validate-code', { code, properties: [] }, await asUser(id))).status).toBe(400);
    expect((await webhookEvents(broker, 'phone_number.updated')).filter((e) => e.data.userId === id)).toHaveLength(updates.length);
  });

  it("the seed's verified-list update: a code goes only to the number not yet verified; the privileged validate-code verifies it", async () => {
    const id = '6d433ee7-7cd4-47a3-810b-bc09023bc2ce';
    await userWithPrimary(id, OLD);
    const [oldBefore, newBefore] = [await inboxCount(OLD.e164), await inboxCount(NEW.e164)];

    const res = await patch(id, replaceVerified('0111111111,0123456789'));
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      phoneNumbers: [{ type: 'mobile', value: '0111111111' }],
      [WSO2]: { mobileNumbers: '0111111111', verifiedMobileNumbers: '0111111111' },
      [ENTERPRISE]: { pendingMobileNumber: '0123456789' },
    });
    expect(await inboxCount(OLD.e164)).toBe(oldBefore);
    expect(await inboxCount(NEW.e164)).toBe(newBefore + 1);

    const code = await lastCodeFor(broker, NEW.e164, admin);
    const body = { code, properties: [scenario('MOBILE_VERIFICATION_ON_VERIFIED_LIST_UPDATE')], user: { username: id, realm: 'PRIMARY' } };
    expect((await identity('validate-code', body, wso2Headers(broker))).status).toBe(200);
    const user = await getUser(id);
    expect(user[WSO2]).toEqual({ mobileNumbers: '0111111111,0123456789', verifiedMobileNumbers: '0111111111,0123456789' });
    expect(user.phoneNumbers).toEqual([{ type: 'mobile', value: '0111111111' }]);
    expect((await webhookEvents(broker, 'phone_number.updated')).map((e) => e.data)).toContainEqual(
      expect.objectContaining({ userId: id, change: 'verified_list', number: NEW.e164, method: 'sms_otp', phoneNumber: OLD.e164 }),
    );
  });

  it('changing to a number already verified sends nothing and takes effect at once', async () => {
    const id = 'user-already-verified';
    await userWithPrimary(id, OLD);
    await patch(id, replaceVerified([OLD.national, '+34600000080']));
    await identity('validate-code', { code: await lastCodeFor(broker, '+34600000080', admin), user: { username: id } }, wso2Headers(broker));
    const sent = await inboxCount('+34600000080');

    const res = await patch(id, replaceMobile('+34600000080'));
    expect(res.status).toBe(200);
    expect(res.json().phoneNumbers).toEqual([{ type: 'mobile', value: '+34600000080' }]);
    expect(res.json()[ENTERPRISE]).toBeUndefined();
    expect(await inboxCount('+34600000080')).toBe(sent);
    expect((await webhookEvents(broker, 'phone_number.updated')).map((e) => e.data)).toContainEqual(
      expect.objectContaining({ userId: id, change: 'primary', number: '+34600000080', previousPhoneNumber: OLD.e164, method: 'already_verified', verificationId: null }),
    );
    // and setting the current primary again withdraws a pending change
    await patch(id, replaceMobile('+34600000081'));
    expect((await getUser(id))[ENTERPRISE]).toEqual({ pendingMobileNumber: '+34600000081' });
    await patch(id, replaceMobile('+34600000080'));
    expect((await getUser(id))[ENTERPRISE]).toBeUndefined();
  });

  it('a first PATCH creates the user; SCIM path forms are understood', async () => {
    const id = 'path-forms';
    const res = await patch(id, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+34600000082' }] });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ id, userName: id, [ENTERPRISE]: { pendingMobileNumber: '+34600000082' } });
    expect(res.json().phoneNumbers).toBeUndefined();
    await identity('validate-code', { code: await lastCodeFor(broker, '+34600000082', admin), properties: [{ key: 'userId', value: id }] }, wso2Headers(broker));
    const listed = await patch(id, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: `${WSO2}:verifiedMobileNumbers`, value: ['+34600000082', '+34600000083'] }] });
    expect(listed.json()).toMatchObject({ phoneNumbers: [{ type: 'mobile', value: '+34600000082' }], [ENTERPRISE]: { pendingMobileNumber: '+34600000083' } });
  });

  it('resend-code (both forms) sends a new code within the cooldown rules: 201, 429 with Retry-After, and the new code replaces the old', async () => {
    const id = 'resender';
    await patch(id, replaceMobile('+34600000084'));
    const first = await lastCodeFor(broker, '+34600000084', admin);
    const early = await identity('me/resend-code', { properties: [scenario('MOBILE_VERIFICATION_ON_UPDATE')] }, await asUser(id));
    expect(early.status).toBe(429);
    expect(Number(early.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    expect(early.json()).toMatchObject({ code: '18015', message: 'Error sending recovery notification' });
    clock = 31_000;
    try {
      const res = await identity('me/resend-code', { properties: [scenario('MOBILE_VERIFICATION_ON_UPDATE')] }, await asUser(id));
      expect(res.status).toBe(201);
      expect(res.text).toBe('');
      const second = await lastCodeFor(broker, '+34600000084', admin);
      clock = 62_000;
      const privileged = await identity('resend-code', { user: { username: id, realm: 'PRIMARY' }, properties: [scenario('MOBILE_VERIFICATION_ON_UPDATE')] }, wso2Headers(broker));
      expect(privileged.status).toBe(201);
      const third = await lastCodeFor(broker, '+34600000084', admin);
      for (const old of new Set([first, second].filter((c) => c !== third))) {
        expect((await identity('me/validate-code', { code: old, properties: [] }, await asUser(id))).json().code).toBe('18001');
      }
      expect((await identity('me/validate-code', { code: third, properties: [] }, await asUser(id))).status).toBe(200);
    } finally {
      clock = 0;
    }
    // nothing waits any more
    const none = await identity('me/resend-code', { properties: [scenario('MOBILE_VERIFICATION_ON_UPDATE')] }, await asUser(id));
    expect(none.status).toBe(400);
    expect(none.json()).toMatchObject({ code: '18005' });
  });

  it('resend-code for the verified-list scenario resends only those numbers; an unknown scenario is UAR-10011', async () => {
    const id = 'list-resender';
    await userWithPrimary(id, { national: '+34600000085', e164: '+34600000085' });
    await patch(id, replaceVerified('+34600000086'));
    const [primarySent, listSent] = [await inboxCount('+34600000085'), await inboxCount('+34600000086')];
    clock = 31_000;
    try {
      const res = await identity('resend-code', { user: { username: id }, properties: [scenario('MOBILE_VERIFICATION_ON_VERIFIED_LIST_UPDATE')] }, wso2Headers(broker));
      expect(res.status).toBe(201);
    } finally {
      clock = 0;
    }
    expect([await inboxCount('+34600000085'), await inboxCount('+34600000086')]).toEqual([primarySent, listSent + 1]);
    const bad = await identity('resend-code', { user: { username: id }, properties: [scenario('PASSWORD_RESET')] }, wso2Headers(broker));
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ code: 'UAR-10011', message: 'Invalid recovery scenario', description: expect.stringContaining('MOBILE_VERIFICATION_ON_UPDATE') });
  });

  it('validate-code refusals use WSO2 codes; wrong codes are limited; after too many, resend-code starts afresh', async () => {
    const id = 'guesser';
    await patch(id, replaceMobile('+34600000087'));
    const code = await lastCodeFor(broker, '+34600000087', admin);
    const me = await asUser(id);

    expect((await identity('me/validate-code', { properties: [] }, me)).json()).toMatchObject({ code: '18001' });
    expect((await identity('me/validate-code', { code: 'abc', properties: [] }, me)).json()).toMatchObject({ code: '18001' });
    const first = await identity('me/validate-code', { code: wrongCodeFor(code), properties: [] }, me);
    expect(first.status).toBe(400);
    expect(first.json()).toEqual({ code: '18001', message: 'Invalid Code', description: 'The code is not correct. Attempts remaining: 4.' });
    for (let i = 0; i < 4; i++) await identity('me/validate-code', { code: wrongCodeFor(code), properties: [] }, me);
    const right = await identity('me/validate-code', { code, properties: [] }, me);
    expect(right.status).toBe(403);
    expect(right.json()).toEqual({ code: '18001', message: 'Invalid Code', description: 'Too many wrong codes; ask for a new code (resend-code).' });
    expect((await getUser(id))[ENTERPRISE]).toEqual({ pendingMobileNumber: '+34600000087' });

    expect((await identity('me/resend-code', { properties: [] }, me)).status).toBe(201);
    const fresh = await lastCodeFor(broker, '+34600000087', admin);
    expect((await identity('me/validate-code', { code: fresh, properties: [] }, me)).status).toBe(200);
    expect((await getUser(id)).phoneNumbers).toEqual([{ type: 'mobile', value: '+34600000087' }]);
  });

  it('an expired code is 18002', async () => {
    const id = 'late';
    await patch(id, replaceMobile('+34600000088'));
    const code = await lastCodeFor(broker, '+34600000088', admin);
    clock = 301_000;
    try {
      const res = await identity('me/validate-code', { code, properties: [] }, await asUser(id));
      expect(res.status).toBe(410);
      expect(res.json()).toMatchObject({ code: '18002', message: 'Expired Code' });
    } finally {
      clock = 0;
    }
  });

  it('with several numbers waiting, a right code costs the others no attempt', async () => {
    const id = 'many';
    await userWithPrimary(id, { national: '+34600000089', e164: '+34600000089' });
    await patch(id, replaceVerified('+34600000089,+34600000090,+34600000091'));
    const code91 = await lastCodeFor(broker, '+34600000091', admin);
    expect((await identity('validate-code', { code: code91, properties: [], user: { username: id } }, wso2Headers(broker))).status).toBe(200);
    const user = await getUser(id);
    expect(user[WSO2].verifiedMobileNumbers).toBe('+34600000089,+34600000091');
    expect(user[ENTERPRISE]).toEqual({ pendingMobileNumber: '+34600000090' });
    const [waiting] = (await broker.deps.store.verifications.listRecent(500)).filter((v) => v.phoneNumber === '+34600000090');
    expect(waiting.otp?.attempts).toBe(0);
  });

  it('the privileged endpoints need the API key and a named, known user', async () => {
    const id = 'named';
    await patch(id, replaceMobile('+34600000092'));
    const code = await lastCodeFor(broker, '+34600000092', admin);
    const noKey = await identity('validate-code', { code, user: { username: id } }, {});
    expect(noKey.status).toBe(401);
    expect(noKey.json()).toMatchObject({ code: '17002' });
    const userToken = await identity('validate-code', { code, user: { username: id } }, await asUser(id));
    expect(userToken.status).toBe(401);
    expect((await identity('validate-code', { code, properties: [] }, wso2Headers(broker))).json()).toMatchObject({ code: '18003' });
    expect((await identity('validate-code', { code, user: { username: 'nobody' } }, wso2Headers(broker))).json()).toMatchObject({ code: '18003' });
    expect((await identity('resend-code', { properties: [] }, wso2Headers(broker))).json()).toMatchObject({ code: '18003' });
    // WSO2 writes usernames with their user store: PRIMARY/named
    expect((await identity('validate-code', { code, user: { username: `PRIMARY/${id}` } }, wso2Headers(broker))).status).toBe(200);
  });

  it('/me needs a token from the configured issuer, signed by its keys, for this audience, unexpired', async () => {
    const id = 'token-holder';
    await patch(id, replaceMobile('+34600000093'));
    const body = { properties: [scenario('MOBILE_VERIFICATION_ON_UPDATE')] };
    const { privateKey: stranger } = await generateKeyPair('ES256');
    const refusals: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer not-a-jwt' },
      { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      { authorization: `Bearer ${await idp.token(id, { key: stranger })}` },
      { authorization: `Bearer ${await idp.token(id, { issuer: 'https://elsewhere.example/oauth2/token' })}` },
      { authorization: `Bearer ${await idp.token(id, { audience: 'another-api' })}` },
      { authorization: `Bearer ${await idp.token(id, { expiresIn: '-1m' })}` },
      { authorization: `Bearer ${await idp.token('bad id with spaces')}` },
      { authorization: `Bearer ${unsigned(id, idp.issuer)}` },
      wso2Headers(broker),
    ];
    for (const headers of refusals) {
      const res = await identity('me/resend-code', body, headers);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.json()).toMatchObject({ code: '17002', message: 'Invalid Credentials' });
    }
    clock = 31_000;
    try {
      expect((await identity('me/resend-code', body, await asUser(id))).status).toBe(201);
    } finally {
      clock = 0;
    }
  });

  it('/me takes access tokens only: an ID token, or a token of another type, of the same issuer and audience is refused', async () => {
    const id = 'token-kinds';
    const meValidate = async (token: string) => identity('me/validate-code', { code: '123456' }, { authorization: `Bearer ${token}` });
    const noClient = { client_id: undefined };
    const refused = [
      // an ID token (OIDC Core §2): typ JWT, no client_id (azp names the client instead)
      await idp.token(id, { typ: 'JWT', claims: { ...noClient, azp: 'customer-app', nonce: 'n-0S6' } }),
      await idp.token(id, { typ: null, claims: noClient }),
      // a JWT of another declared type, even with a client_id
      await idp.token(id, { typ: 'logout+jwt' }),
      await idp.token(id, { typ: 'secevent+jwt' }),
      // client_id must be a client's id
      await idp.token(id, { typ: 'JWT', claims: { client_id: 42 } }),
    ];
    for (const token of refused) {
      const res = await meValidate(token);
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ code: '17002', message: 'Invalid Credentials' });
    }
    // accepted (the user is unknown, so the answer is 18003, not 17002)
    const accepted = [
      await idp.token(id),
      await idp.token(id, { typ: 'application/at+jwt', claims: noClient }),
      await idp.token(id, { typ: 'JWT' }),
      await idp.token(id, { typ: null }),
    ];
    for (const token of accepted) {
      const res = await meValidate(token);
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ code: '18003' });
    }
  });

  it('SCIM bad input is refused in the SCIM error format and changes nothing', async () => {
    const id = 'scim-errors';
    await userWithPrimary(id, { national: '+34600000094', e164: '+34600000094' });
    const before = await getUser(id);
    const sent = await inboxCount('+34600000095');
    const cases: Array<[unknown, number, string | undefined, RegExp]> = [
      [{ Operations: [{ op: 'replace', value: { phoneNumbers: [{ type: 'mobile', value: '+34600000095' }] } }] }, 400, 'invalidSyntax', /PatchOp/],
      [{ schemas: [PATCH_OP], Operations: [] }, 400, 'invalidSyntax', /1 to 10/],
      [{ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'phoneNumbers' }] }, 400, 'invalidValue', /remove is not supported/],
      [{ schemas: [PATCH_OP], Operations: [{ op: 'move', value: {} }] }, 400, 'invalidSyntax', /add or replace/],
      [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { emails: ['a@example.com'] } }] }, 400, 'invalidPath', /not emails/],
      [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.givenName', value: 'Bob' }] }, 400, 'invalidPath', /unsupported path/],
      [replaceMobile('0123'), 400, 'invalidValue', /"0123" in .* is not a valid mobile number/],
      [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { phoneNumbers: [{ type: 'work', value: '+34600000095' }] } }] }, 400, 'invalidValue', /only numbers of type mobile/],
      [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { phoneNumbers: [{ type: 'mobile', value: '+34600000095' }, { type: 'mobile', value: '+34600000096' }] } }] }, 400, 'invalidValue', /one mobile number/],
      [replaceVerified(42), 400, 'invalidValue', /comma-separated/],
      [replaceVerified('+34600000095,nonsense'), 400, 'invalidValue', /not a valid mobile number/],
      [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { [WSO2]: { mobileNumbers: '+34600000095' } } }] }, 400, 'invalidPath', /not mobileNumbers/],
      ['{"schemas": [', 400, 'invalidValue', /could not be read/],
    ];
    for (const [body, status, scimType, detail] of cases) {
      const res = await patch(id, body);
      const error = res.json();
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(error).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], scimType, detail: expect.stringMatching(detail), status: String(status) });
      expect(res.status).toBe(status);
    }
    // a valid number in a country SMS_COUNTRIES_DENY excludes: refused, since no code could ever reach it
    const blocked = await patch(id, replaceMobile('+7 916 123-45-67'));
    expect(blocked.status).toBe(403);
    expect(blocked.json()).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], detail: 'Codes cannot be sent to numbers of this country.', status: '403' });
    const noKey = await patch(id, replaceMobile('+34600000095'), {});
    expect(noKey.status).toBe(401);
    expect(noKey.json()).toMatchObject({ status: '401', schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'] });
    expect(await getUser(id)).toEqual(before);
    expect(await inboxCount('+34600000095')).toBe(sent);
    expect((await admin.get(userUrl('nobody-here'), wso2Headers(broker))).json()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      detail: 'User nobody-here not found.',
      status: '404',
    });
    expect((await patch('bad%20id', replaceMobile('+34600000095'))).status).toBe(400);
  });

  it('a PATCH while the SMS limits refuse a send keeps the change (resend-code sends later), as WSO2 notifies after the update', async () => {
    const id = 'limited';
    await patch(id, replaceMobile('+34600000097'));
    const again = await patch(id, replaceMobile('+34600000097')); // within the resend cooldown
    expect(again.status).toBe(200);
    expect(again.json()[ENTERPRISE]).toEqual({ pendingMobileNumber: '+34600000097' });
    expect(await inboxCount('+34600000097')).toBe(1);
  });

  it('silently, through the operator: the device on cellular proves the pending number, which becomes primary', async () => {
    const id = 'silent-user';
    await userWithPrimary(id, { national: '+34600000098', e164: '+34600000098' });
    await patch(id, replaceMobile('+34600000002'));
    const phone = broker.device('127.0.0.2'); // the sandbox SIM holding +34600000002

    const start = await phone.get(`${broker.url}/compat/wso2/users/${id}/silent-verify?redirect=true`, await asUser(id));
    expect(start.status).toBe(302);
    const { location } = await phone.followUntil(start.headers.location!, (next) => next.pathname === '/callback' && next.origin === broker.url);
    const callback = await phone.get(location.href);
    const done = new URL(callback.headers.location!);
    expect(done.pathname).toBe(`/compat/wso2/users/${id}/silent-verify/done`);
    const landed = await phone.get(done.href);
    const result = new URL(landed.headers.location!);
    expect(result.pathname).toBe('/result.html');
    // started without the device's session (the user's JWT): the proof takes the completion-code path
    expect(result.searchParams.get('status')).toBe('awaiting_completion');
    const code = new URLSearchParams(result.hash.slice(1)).get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // nothing is settled on the device's arrival
    expect((await getUser(id)).phoneNumbers).toEqual([{ type: 'mobile', value: '+34600000098' }]);

    // the user's app presents the code the device was handed, through the existing validate-code
    expect((await identity('me/validate-code', { code, properties: [] }, await asUser(id))).status).toBe(200);
    expect((await getUser(id)).phoneNumbers).toEqual([{ type: 'mobile', value: '+34600000002' }]);
    expect((await webhookEvents(broker, 'phone_number.updated')).map((e) => e.data)).toContainEqual(
      expect.objectContaining({ userId: id, change: 'primary', number: '+34600000002', previousPhoneNumber: '+34600000098', method: 'silent_auth' }),
    );
  });

  it('silently, when the SIM holds another number: the operator fallback sends a code, which validate-code accepts; returnUrl is honoured', async () => {
    const id = 'silent-mismatch';
    await patch(id, replaceMobile('+34600000099'));
    const phone = broker.device('127.0.0.3'); // the SIM holds +34600000003
    const returnUrl = `${broker.url}/otp.html`;
    const started = await phone.get(`${broker.url}/compat/wso2/users/${id}/silent-verify?returnUrl=${encodeURIComponent(returnUrl)}`, wso2Headers(broker));
    expect(started.status).toBe(200);
    const { authUrl, verificationId } = started.json();
    const { location } = await phone.followUntil(authUrl, (next) => next.pathname === '/callback' && next.origin === broker.url);
    const done = await phone.get((await phone.get(location.href)).headers.location!);
    const back = new URL(done.headers.location!);
    expect(back.href.startsWith(returnUrl)).toBe(true);
    expect(back.searchParams.get('verificationId')).toBe(verificationId);
    // the callback sends no SMS; the code sent with the PATCH is the one that waits again
    expect(back.searchParams.get('status')).toBe('fallback_required');

    const code = await lastCodeFor(broker, '+34600000099', admin);
    expect((await identity('me/validate-code', { code, properties: [] }, await asUser(id))).status).toBe(200);
    expect((await getUser(id)).phoneNumbers).toEqual([{ type: 'mobile', value: '+34600000099' }]);
  });

  it('relay: a user who sends the silent-verify URL to the phone of someone else\'s number does not get that number', async () => {
    const id = 'silent-relay';
    await userWithPrimary(id, { national: '+34600000097', e164: '+34600000097' });
    await patch(id, replaceMobile('+34600000003')); // the victim's number
    const started = await broker.device('127.0.0.1').get(`${broker.url}/compat/wso2/users/${id}/silent-verify`, await asUser(id));
    const { authUrl } = started.json();
    const victim = broker.device('127.0.0.3'); // the victim's phone opens the link over mobile data
    const { location } = await victim.followUntil(authUrl, (next) => next.pathname === '/callback' && next.origin === broker.url);
    const done = await victim.get((await victim.get(location.href)).headers.location!);
    expect(new URL(done.headers.location!).searchParams.has('code')).toBe(false); // only the victim's page holds it, in the fragment

    expect((await getUser(id)).phoneNumbers).toEqual([{ type: 'mobile', value: '+34600000097' }]);
    const guess = await identity('me/validate-code', { code: 'A'.repeat(43), properties: [] }, await asUser(id));
    expect(guess.status).toBe(400);
    expect(guess.json().code).toBe('18001');
    expect((await getUser(id)).phoneNumbers).toEqual([{ type: 'mobile', value: '+34600000097' }]);
    expect((await webhookEvents(broker, 'phone_number.updated')).map((e) => e.data)).not.toContainEqual(expect.objectContaining({ userId: id, number: '+34600000003' }));
  });

  it('while a silent attempt is under way, the SMS code sent with the PATCH still verifies the number', async () => {
    const id = 'silent-abandoned';
    await patch(id, replaceMobile('+34600000103'));
    const code = await lastCodeFor(broker, '+34600000103', admin);
    const started = await admin.get(`${broker.url}/compat/wso2/users/${id}/silent-verify`, await asUser(id));
    expect(started.json()).toEqual({ verificationId: expect.stringMatching(/^vrf_/), authUrl: expect.stringMatching(/^http/) });
    expect((await identity('me/validate-code', { code, properties: [] }, await asUser(id))).status).toBe(200);
    expect((await getUser(id)).phoneNumbers).toEqual([{ type: 'mobile', value: '+34600000103' }]);
  });

  it('silent-verify refuses other users, nothing pending, and return URLs outside RETURN_URL_PREFIXES', async () => {
    const id = 'silent-guarded';
    await patch(id, replaceMobile('+34600000100'));
    const phone = broker.device('127.0.0.2');
    expect((await phone.get(`${broker.url}/compat/wso2/users/${id}/silent-verify`, await asUser('someone-else'))).status).toBe(403);
    expect((await phone.get(`${broker.url}/compat/wso2/users/${id}/silent-verify`)).status).toBe(401);
    const open = await phone.get(`${broker.url}/compat/wso2/users/${id}/silent-verify?returnUrl=${encodeURIComponent('https://evil.example/')}`, await asUser(id));
    expect(open.status).toBe(400);
    expect(open.json()).toMatchObject({ code: '18013' });
    expect((await phone.get(`${broker.url}/compat/wso2/users/nobody/silent-verify`, wso2Headers(broker))).json()).toMatchObject({ code: '18005' });
    expect((await phone.get(`${broker.url}/compat/wso2/users/${id}/silent-verify/done?verificationId=vrf_forged`)).status).toBe(404);
  });

  it('a verified number is announced once, however many settles race over the user', async () => {
    const id = 'settled-once';
    await patch(id, replaceMobile('+34600000105'));
    const code = await lastCodeFor(broker, '+34600000105', admin);
    // the verification completes outside the facade (as /callback completes a silent one)
    const [verification] = (await broker.deps.store.verifications.listRecent(500)).filter((v) => v.phoneNumber === '+34600000105');
    await checkOwnedCode(broker.deps, verification, code);
    // eight settles that all read the user before any of them wrote it (as racing instances would)
    const stale = (await loadUser(broker.deps, id))!;
    const settled = await Promise.all(Array.from({ length: 8 }, () => settleUser(broker.deps, stale)));
    expect(settled.map((u) => u.primary?.e164)).toEqual(Array(8).fill('+34600000105'));
    expect((await getUser(id)).phoneNumbers).toEqual([{ type: 'mobile', value: '+34600000105' }]);
    const updates = (await webhookEvents(broker, 'phone_number.updated')).filter((e) => e.data.userId === id);
    expect(updates).toHaveLength(1);
  });

  it('never logs a full number, a code, a user token or the API key', async () => {
    const id = 'quiet';
    await patch(id, replaceMobile('+34600000101'));
    const code = await lastCodeFor(broker, '+34600000101', admin);
    const token = await idp.token(id);
    await identity('me/validate-code', { code: wrongCodeFor(code), properties: [] }, { authorization: `Bearer ${token}` });
    await identity('me/validate-code', { code, properties: [] }, { authorization: `Bearer ${token}` });
    const logs = brokerLogs(broker);
    expect(logs).toContain('/api/identity/user/v1.0/me/validate-code');
    expect(loggedSecrets(broker, ['34600000101', code, wrongCodeFor(code), token, broker.deps.secrets.wso2ApiKey, NEW.e164, OLD.e164])).toEqual([]);
  });
});

describe('WSO2 facade without user token settings', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ sandbox: false, env: FACADE_ENV });
  });
  afterAll(() => broker.close());

  it('/me answers 401 saying why; national numbers need COMPAT_WSO2_DEFAULT_REGION', async () => {
    const res = await broker.device().post(`${broker.url}/api/identity/user/v1.0/me/validate-code`, { code: '123456', properties: [] }, { authorization: 'Bearer a.b.c' });
    expect(res.status).toBe(401);
    expect(res.json().description).toMatch(/COMPAT_WSO2_JWKS_URL/);
    const national = await broker.device().request('PATCH', `${broker.url}/scim2/Users/u1`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { phoneNumbers: [{ type: 'mobile', value: '0123456789' }] } }] },
      headers: wso2Headers(broker),
    });
    expect(national.status).toBe(400);
    expect(national.json().detail).toMatch(/with its country code/);
  });

  it('silent-verify for a number no operator serves is 409 UAV-10001, and the number keeps waiting for its SMS code', async () => {
    const admin = broker.device();
    await admin.request('PATCH', `${broker.url}/scim2/Users/u2`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { phoneNumbers: [{ type: 'mobile', value: '+34600000104' }] } }] },
      headers: wso2Headers(broker),
    });
    const res = await admin.get(`${broker.url}/compat/wso2/users/u2/silent-verify?redirect=true`, wso2Headers(broker));
    expect(res.status).toBe(409);
    expect(res.json()).toMatchObject({ code: 'UAV-10001', message: 'Unsupported verification channel' });
    const user = (await admin.get(`${broker.url}/scim2/Users/u2`, wso2Headers(broker))).json();
    expect(user[ENTERPRISE]).toEqual({ pendingMobileNumber: '+34600000104' });
  });
});

/** an `alg: none` token, which must never be accepted */
function unsigned(sub: string, iss: string): string {
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub, iss, aud: 'broker-me', exp: Math.floor(Date.now() / 1000) + 300 })}.`;
}

