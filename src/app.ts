import express, { type Express } from 'express';
import helmet from 'helmet';
import type { BrokerDeps } from './deps.js';
import { correlator } from './http/correlator.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { requestLogger } from './http/request-logger.js';
import { sessionMiddleware } from './http/session.js';
import { countRequests } from './metrics/index.js';
import { routes } from './routes/index.js';

export interface AppOptions {
  /** folder of the sample frontend, served as static files */
  publicDir?: string;
}

/** The Express app: middleware, the route table and the error serializer. It never listens (main.ts does). */
export function createApp(deps: BrokerDeps, options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('query parser', 'simple');

  app.use(helmet({ contentSecurityPolicy: { directives: { 'form-action': ["'self'", 'http:', 'https:'] } } }));
  app.use(countRequests(deps.metrics));
  app.use(correlator);
  app.use(requestLogger(deps.logger));
  app.use(
    sessionMiddleware({
      store: deps.store,
      secret: deps.secrets.sessionSecret,
      secure: deps.config.cookieSecure,
      maxAgeMs: 24 * 3600 * 1000,
    }),
  );
  app.use(routes(deps));
  if (options.publicDir) app.use(express.static(options.publicDir, { index: 'index.html', maxAge: '5m' }));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
