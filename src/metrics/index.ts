export { createMetrics, type Metrics, type MetricsOptions, type OperatorEndpoint, type OperatorCallOutcome, type RateLimitReason } from './metrics.js';
export { countRequests } from './http.js';
export { countSmsSends, countMpassSends } from './sms.js';
