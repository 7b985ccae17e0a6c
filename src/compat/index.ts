export { checkPin } from './cloudsoftphone/check.js';
export { verifyNumber } from './cloudsoftphone/verify-number.js';
export { sendSms } from './mpass/send-sms.js';
export { verifyOtp } from './mpass/verify-otp.js';
export { getUser } from './wso2/get-user.js';
export { patchUser } from './wso2/patch-user.js';
export { resendCodeRoute } from './wso2/resend-code.js';
export { silentVerify, silentVerifyDone } from './wso2/silent-verify.js';
export { validateCode } from './wso2/validate-code.js';
