import pino from "pino";

const globalForLogger = globalThis as unknown as { __tollgateLogger?: pino.Logger };

export const logger: pino.Logger = (globalForLogger.__tollgateLogger ??= pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: undefined,
  redact: ["password", "token", "*.password", "*.token", "headers.cookie", "headers.authorization"],
}));
