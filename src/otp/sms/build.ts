/**
 * Turns SMS settings into provider values, in SMS_PROVIDERS order (the failover order).
 */
import type { SmsConfig } from './config.js';
import { ConsoleSmsProvider } from './console.js';
import { HttpSmsProvider } from './http.js';
import { MpassUpstream } from './mpass.js';
import type { SmsProvider } from './provider.js';
import type { SandboxInbox } from './sandbox-inbox.js';
import { TwilioSmsProvider } from './twilio.js';
import { VonageSmsProvider } from './vonage.js';

export function buildSmsProviders(
  config: SmsConfig,
  deps: { inbox: SandboxInbox; print: (line: string) => void; showText?: boolean },
): SmsProvider[] {
  const { timeoutMs } = config;
  return config.providers.map((name): SmsProvider => {
    switch (name) {
      case 'console':
        return new ConsoleSmsProvider(deps);
      case 'twilio':
        return new TwilioSmsProvider({ ...settingsOf(config, 'twilio'), timeoutMs });
      case 'vonage':
        return new VonageSmsProvider({ ...settingsOf(config, 'vonage'), timeoutMs });
      case 'http':
        return new HttpSmsProvider({ ...settingsOf(config, 'http'), timeoutMs });
    }
  });
}

/** The mPass upstream when mPass is configured. */
export function buildMpassUpstream(config: SmsConfig): MpassUpstream | undefined {
  return config.mpass && new MpassUpstream({ ...config.mpass, timeoutMs: config.timeoutMs });
}

// smsEnvSchema guarantees the settings of every listed provider; this only guards hand-built configs
function settingsOf<K extends 'twilio' | 'vonage' | 'http'>(config: SmsConfig, name: K): NonNullable<SmsConfig[K]> {
  const settings = config[name];
  if (!settings) throw new Error(`SMS provider ${name} is listed but has no settings`);
  return settings as NonNullable<SmsConfig[K]>;
}
