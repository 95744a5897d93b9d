/**
 * Structured JSON logs, one line per event, with a correlation id (the transaction id or the
 * invocation's request id). Values under secret-looking keys are replaced before anything is
 * written, so a token, password or private key cannot reach CloudWatch Logs by accident.
 */

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";
const LEVEL_ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

/**
 * Keys whose values are never written: any key that ends in a secret-bearing word (`token`,
 * `access_token`, `password`, `clientSecret`, `privateKey`, `authorization`, ...). Matching the end
 * keeps harmless names such as `tokenUrl` or `secretName` readable in the logs.
 */
const SECRET_KEY =
  /(token|password|passwd|secret|passphrase|authorization|credentials?|cookie|privatekey|apikey|pem|^key)$/i;
export const REDACTED = "[REDACTED]";

export type LogWriter = (line: string) => void;

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  write?: LogWriter;
  context?: Record<string, unknown>;
}

export class Logger {
  private readonly level: LogLevel;
  private readonly write: LogWriter;

  constructor(private readonly options: LoggerOptions) {
    this.level = options.level ?? (process.env.LOG_LEVEL as LogLevel | undefined) ?? "INFO";
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  /** A logger whose every line carries these fields too (e.g. the correlation id). */
  child(context: Record<string, unknown>): Logger {
    return new Logger({
      ...this.options,
      level: this.level,
      write: this.write,
      context: { ...this.options.context, ...context },
    });
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log("DEBUG", message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.log("INFO", message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log("WARN", message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.log("ERROR", message, fields);
  }

  private log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[this.level]) return;
    const entry = {
      timestamp: new Date().toISOString(),
      level,
      service: this.options.service,
      message,
      ...redact(this.options.context ?? {}),
      ...redact(fields),
    };
    this.write(JSON.stringify(entry));
  }
}

/**
 * A copy with secret-looking keys replaced. Errors become `{name, message, stack, cause}`, the cause
 * chain followed (an unexpected error is readable from its log line alone; with the bundles' source
 * maps the stack names `handlers/…ts` lines). Other own fields of an error (an SDK error's response
 * metadata, request data) are left out on purpose.
 */
export function redact(value: Record<string, unknown>): Record<string, unknown> {
  return redactValue(value, 0) as Record<string, unknown>;
}

function redactValue(value: unknown, depth: number): unknown {
  if (depth > 6) return "[…]";
  if (value instanceof Error) return errorFields(value, depth);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = SECRET_KEY.test(k.replace(/[_-]/g, "")) ? REDACTED : redactValue(v, depth + 1);
    return out;
  }
  return value;
}

function errorFields(error: Error, depth: number): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.stack !== undefined) fields.stack = error.stack;
  if (error.cause !== undefined) fields.cause = redactValue(error.cause, depth + 1);
  return fields;
}
