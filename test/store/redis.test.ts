import { describeStoreContract } from './contract.js';
import { redisSite, whyNoRedis } from './support/redis.js';

describeStoreContract('Redis', () => redisSite('contract'), { skipBecause: await whyNoRedis() });
