import { describe, expect, it } from '@jest/globals';
import { ConfigInvalid, envDoc, loadConfig, type Env } from '../../src/config/index.js';
import { startTestBroker } from '../support/broker.js';

const problems = (env: Env): string[] => {
  try {
    loadConfig({ DATA_DIR: '/tmp/unused', ...env });
  } catch (err) {
    if (err instanceof ConfigInvalid) return err.problems;
    throw err;
  }
  return [];
};

describe('COMPAT_* settings', () => {
  it('defaults: no facade (opt-in), the documented path and number fields, no regions, no user tokens', () => {
    expect(loadConfig({ DATA_DIR: '/tmp/unused' }).compat).toEqual({
      facades: [],
      cloudSoftphone: { path: '/compat/cloudsoftphone', numberFields: ['phoneNumber', 'number', 'phone'] },
      mpass: { defaultRegion: undefined },
      wso2: { defaultRegion: undefined },
    });
    expect(loadConfig({ DATA_DIR: '/tmp/unused', COMPAT_FACADES: 'none' }).compat.facades).toEqual([]);
    expect(loadConfig({ DATA_DIR: '/tmp/unused', COMPAT_FACADES: 'mpass,wso2' }).compat.facades).toEqual(['mpass', 'wso2']);
  });

  it('an empty COMPAT_FACADES (`COMPAT_FACADES=` in a .env file) means none, not the default', () => {
    expect(loadConfig({ DATA_DIR: '/tmp/unused', COMPAT_FACADES: '' }).compat.facades).toEqual([]);
    expect(loadConfig({ DATA_DIR: '/tmp/unused', COMPAT_FACADES: '  ' }).compat.facades).toEqual([]);
  });

  it('without COMPAT_FACADES, no facade endpoint is served', async () => {
    const broker = await startTestBroker({ background: false });
    try {
      for (const path of ['/compat/cloudsoftphone/verify_number?phoneNumber=%2B34600000002', '/mpass-web/rest/mv/msg?apikey=x&dest=%2B34600000002', '/scim2/Users/x']) {
        expect({ path, status: (await broker.device().get(`${broker.url}${path}`)).status }).toEqual({ path, status: 404 });
      }
    } finally {
      await broker.close();
    }
  });

  it('a bad value stops the broker at start, naming the variable', () => {
    expect(problems({ COMPAT_FACADES: 'cloudsoftphone,twilio' }).join()).toMatch(/COMPAT_FACADES: unknown facade "twilio"/);
    expect(problems({ COMPAT_CLOUDSOFTPHONE_PATH: '/verify/' }).join()).toMatch(/COMPAT_CLOUDSOFTPHONE_PATH/);
    expect(problems({ COMPAT_CLOUDSOFTPHONE_PATH: 'verify' }).join()).toMatch(/COMPAT_CLOUDSOFTPHONE_PATH/);
    expect(problems({ COMPAT_CLOUDSOFTPHONE_NUMBER_FIELDS: 'phone,bad field' }).join()).toMatch(/COMPAT_CLOUDSOFTPHONE_NUMBER_FIELDS/);
    expect(problems({ COMPAT_WSO2_DEFAULT_REGION: 'Korea' }).join()).toMatch(/COMPAT_WSO2_DEFAULT_REGION/);
    expect(problems({ COMPAT_MPASS_DEFAULT_REGION: 'sa' }).join()).toMatch(/COMPAT_MPASS_DEFAULT_REGION/);
    expect(problems({ COMPAT_WSO2_JWKS_URL: 'ftp://idp.example/jwks' }).join()).toMatch(/COMPAT_WSO2_JWKS_URL/);
    expect(problems({ COMPAT_WSO2_JWKS_URL: 'https://idp.example/jwks' }).join()).toMatch(/set both/);
    expect(problems({ COMPAT_WSO2_ISSUER: 'https://idp.example' }).join()).toMatch(/set both/);
    expect(problems({ COMPAT_WSO2_JWKS_URL: 'https://idp.example/jwks', COMPAT_WSO2_ISSUER: 'https://idp.example', COMPAT_WSO2_AUDIENCE: 'api' })).toEqual([]);
    expect(problems({ COMPAT_WSO2_API_KEY: 'too-short' }).join()).toMatch(/COMPAT_WSO2_API_KEY: must be at least 24 characters/);
    expect(problems({ COMPAT_CLOUDSOFTPHONE_API_KEY: 'too-short' }).join()).toMatch(/COMPAT_CLOUDSOFTPHONE_API_KEY: must be at least 24 characters/);
  });

  it('user tokens without an audience stop the broker at start: any token of that issuer, for any application, would do', () => {
    expect(problems({ COMPAT_WSO2_JWKS_URL: 'https://idp.example/jwks', COMPAT_WSO2_ISSUER: 'https://idp.example' }).join()).toMatch(/COMPAT_WSO2_AUDIENCE: required with COMPAT_WSO2_JWKS_URL/);
    expect(problems({ COMPAT_WSO2_AUDIENCE: 'api' }).join()).toMatch(/COMPAT_WSO2_AUDIENCE/);
  });

  it('every COMPAT_* variable is documented', () => {
    const documented = envDoc.map((d) => d.name).filter((n) => n.startsWith('COMPAT_'));
    expect(documented).toEqual([
      'COMPAT_FACADES',
      'COMPAT_CLOUDSOFTPHONE_PATH',
      'COMPAT_CLOUDSOFTPHONE_NUMBER_FIELDS',
      'COMPAT_MPASS_DEFAULT_REGION',
      'COMPAT_WSO2_DEFAULT_REGION',
      'COMPAT_WSO2_JWKS_URL',
      'COMPAT_WSO2_ISSUER',
      'COMPAT_WSO2_AUDIENCE',
      'COMPAT_WSO2_API_KEY',
      'COMPAT_CLOUDSOFTPHONE_API_KEY',
    ]);
  });
});
