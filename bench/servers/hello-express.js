// Ceiling: the Express hello-world, with the Express version the broker uses.
import express from 'express';

const app = express();
app.get('/', (_req, res) => res.send('hello world'));
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
