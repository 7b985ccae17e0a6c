import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { BrokerDeps } from './deps.js';
import { canonicalHost } from './http/canonical-host.js';
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

/** libphonenumber-js's browser build (max metadata: it tells mobiles from landlines), served to the sample pages */
const PHONE_BUNDLE = path.join(path.dirname(createRequire(import.meta.url).resolve('libphonenumber-js/package.json')), 'bundle', 'libphonenumber-max.js');

/** The Express app: middleware, the route table and the error serializer. It never listens (main.ts does). */
export function createApp(deps: BrokerDeps, options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('query parser', 'simple');

  app.use(helmet(helmetOptions(deps.config.publicUrl)));
  app.use(countRequests(deps.metrics));
  app.use(correlator);
  app.use(requestLogger(deps.logger));
  if (deps.config.sandbox.enabled) app.use(canonicalHost(deps.config.publicUrl));
  app.use(
    sessionMiddleware({
      store: deps.store,
      secret: deps.secrets.sessionSecret,
      secure: deps.config.cookieSecure,
      maxAgeMs: 24 * 3600 * 1000,
    }),
  );
  app.use(routes(deps));
  if (options.publicDir) {
    app.get('/vendor/libphonenumber-max.js', (_req, res) => res.sendFile(PHONE_BUNDLE, { maxAge: '1h' }));
    app.use(express.static(options.publicDir, { index: 'index.html', maxAge: '5m' }));
    // the docs the sample's "next steps" link to, as plain text (they are Markdown; nothing renders them here)
    app.use('/docs', express.static(path.resolve(options.publicDir, '..', 'docs'), { index: false, maxAge: '5m', setHeaders: (res) => res.type('text/plain; charset=utf-8') }));
  }
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

/**
 * `upgrade-insecure-requests` and HSTS only when the broker is served over https: over plain http (a phone
 * on the LAN opening http://192.168.1.5:3000) the first would rewrite every stylesheet and script to an
 * https URL nobody answers, and the page would load bare. On localhost browsers happen to exempt it, which is
 * why it looked fine on a laptop.
 */
function helmetOptions(publicUrl: string): Parameters<typeof helmet>[0] {
  const https = publicUrl.startsWith('https:');
  return {
    contentSecurityPolicy: {
      directives: {
        'form-action': ["'self'", 'http:', 'https:'],
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
    strictTransportSecurity: https,
  };
}
