// A pg client outside the pool: a lock held across other work (migrations,
// queue setup), a check at start. pg reports a connection lost, even during a
// query, as an 'error' event too, and an 'error' nobody listens to ends the
// process with a stack trace. Here it is logged; the client's next query
// fails as usual, and its caller decides.
import pg from "pg";
import { logger } from "../logger.ts";

export function ownClient(config: pg.ClientConfig & { application_name: string }): pg.Client {
  const client = new pg.Client(config);
  client.on("error", (error) => logger.warn({ err: error, client: config.application_name }, "database connection lost"));
  return client;
}
