// The broker's middleware stack layer by layer, answering a small JSON body, to show what each layer costs.
// env: PORT, LAYERS (comma list, in order: helmet, correlator, session), DATA_DIR (for session)
// With `session`, every request without a cookie creates a session in the SQLite store, as GET /login does.
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import { correlator } from '../../dist/http/correlator.js';
import { ownerIdOf, sessionMiddleware } from '../../dist/http/session.js';
import { createSqliteStore } from '../../dist/store/sqlite/index.js';

const layers = (process.env.LAYERS ?? '').split(',').filter(Boolean);
const app = express();
app.disable('x-powered-by');
app.set('query parser', 'simple');
let store;
for (const layer of layers) {
  if (layer === 'helmet') app.use(helmet({ contentSecurityPolicy: { directives: { 'form-action': ["'self'", 'http:', 'https:'] } } }));
  else if (layer === 'correlator') app.use(correlator);
  else if (layer === 'session') {
    store = createSqliteStore({ file: path.join(process.env.DATA_DIR, 'anatomy.sqlite') });
    app.use(sessionMiddleware({ store, secret: 'bench-secret-bench-secret-bench-secret', secure: false, maxAgeMs: 24 * 3600 * 1000 }));
  } else throw new Error(`unknown layer ${layer}`);
}
app.get('/', (req, res) => {
  const owner = layers.includes('session') ? ownerIdOf(req) : 'none';
  res.set('Cache-Control', 'no-store').json({ ok: true, owner: owner.length });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => store?.close().then(() => process.exit(0)) ?? process.exit(0));
  server.closeAllConnections();
});
