// A pg client outside the pool: a lock held across other work (migrations,
// queue setup), a check at start. pg reports a connection lost, even during a
// query, as an 'error' event too, and an 'error' nobody listens to ends the
// process with a stack trace. Here it is logged and kept: the client's next
// query fails as usual, and a lock's holder asks connectionLost afterwards
// (PostgreSQL let go of the lock with the connection).
import pg from "pg";
import { logger } from "../logger.ts";

const lost = new WeakMap<pg.Client, unknown>();

export function ownClient(config: pg.ClientConfig & { application_name: string }): pg.Client {
  // Keepalive: a lock's connection sits idle through the work it guards, which may take minutes.
  const client = new pg.Client({ keepAlive: true, ...config });
  client.on("error", (error) => {
    if (!lost.has(client)) lost.set(client, error);
    logger.warn({ err: error, client: config.application_name }, "database connection lost");
  });
  return client;
}

/** The error that ended the client's connection, if it was lost (not ended by the client). */
export function connectionLost(client: pg.Client): unknown {
  return lost.get(client);
}

/** Thrown when the connection holding an advisory lock was lost before the guarded work ended. */
export class LockLost extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: the connection holding its lock was lost (${cause instanceof Error ? cause.message : String(cause)}); another process may have run at the same time. Start again.`, { cause });
  }
}
