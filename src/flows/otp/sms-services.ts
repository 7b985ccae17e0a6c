import type { SandboxInbox, SmsProvider, MpassUpstream } from '../../otp/sms/index.js';
import type { CamaraOtpEngine } from '../../otp/camara-otp.js';
import type { SmsLimits } from './sms-limits.js';

/** What the SMS leg sends and checks with, chosen at start from configuration. */
export interface SmsServices {
  /** ordered failover list */
  providers: SmsProvider[];
  /** HMAC key of one-time codes (OTP secret), decoded once at start */
  codeKey: Buffer;
  /** only with the sandbox on: where the console provider keeps messages for /sandbox/inbox */
  inbox?: SandboxInbox;
  /** OTP_ENGINE=mpass: the upstream that makes, sends and checks codes itself */
  mpass?: MpassUpstream;
  /** OTP_ENGINE=camara-otp: the operators' One Time Password SMS, for the numbers an operator with `otpSms` serves */
  camaraOtp?: CamaraOtpEngine;
  limits: SmsLimits;
}
