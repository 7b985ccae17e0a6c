// rate-limiter-flexible declares RateLimiterStoreAbstract (the base of its store-backed limiters) in its types
// but does not export it from its entry point at run time; the broker takes it from its own file.
declare module 'rate-limiter-flexible/lib/RateLimiterStoreAbstract.js' {
  import { RateLimiterStoreAbstract } from 'rate-limiter-flexible';
  export default RateLimiterStoreAbstract;
}
