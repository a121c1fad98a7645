// Unleash 8 as deployed by default (its own defaults for caching, pool and logging), on the
// database named by DATABASE_* (loadtest/env_configs_vs_unleash.sh: the Versiqii Postgres, a
// database of its own). Tokens come from INIT_ADMIN_API_TOKENS / INIT_BACKEND_API_TOKENS.
//
//   UNLEASH_PORT=4242 DATABASE_HOST=127.0.0.1 DATABASE_PORT=5432 DATABASE_USERNAME=u \
//     DATABASE_PASSWORD=p DATABASE_NAME=unleash node server.mjs
import { start } from 'unleash-server';

const unleash = await start({
  server: { port: Number(process.env.UNLEASH_PORT || 4242), host: '127.0.0.1' },
  db: { ssl: false },
});
process.on('SIGTERM', async () => {
  await unleash.stop();
  process.exit(0);
});
console.log(`unleash ${unleash.version ?? ''} listening on ${process.env.UNLEASH_PORT || 4242}`);
