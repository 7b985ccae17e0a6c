import type { MpassUpstream, SmsProvider } from '../otp/sms/index.js';
import type { Metrics } from './metrics.js';

/** Each provider, counting its sends by result (`broker_sms_sends_total{provider,result}`). */
export function countSmsSends(providers: SmsProvider[], metrics: Metrics): SmsProvider[] {
  return providers.map((provider) => ({
    name: provider.name,
    async send(message) {
      try {
        const sent = await provider.send(message);
        metrics.smsSend(provider.name, 'sent');
        return sent;
      } catch (err) {
        metrics.smsSend(provider.name, 'failed');
        throw err;
      }
    },
  }));
}

/** The mPass upstream, counting its code sends: accepted is `sent`, any other answer or an error `failed`. */
export function countMpassSends(upstream: MpassUpstream, metrics: Metrics): MpassUpstream {
  // inherits everything else (checkCode, its settings) from the upstream itself
  const counted = Object.create(upstream) as MpassUpstream;
  counted.sendCode = async (input) => {
    try {
      const outcome = await upstream.sendCode(input);
      metrics.smsSend(upstream.name, outcome === 'accepted' ? 'sent' : 'failed');
      return outcome;
    } catch (err) {
      metrics.smsSend(upstream.name, 'failed');
      throw err;
    }
  };
  return counted;
}
