import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel as TemporalLogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Config } from './config.js';

export type Logger = PinoLogger;

/**
 * Fields that may carry personal data or secrets. Redaction is configuration, not discipline:
 * whatever object a caller logs, these paths never reach the output.
 */
const PERSONAL_FIELDS = ['citizen', 'description', 'reply', 'comment', 'minutes', 'finding', 'apiKey', 'key', 'secretHash', 'encryptionKeys', 'citizenName', 'citizenPhone', 'title'];
const REDACT_PATHS = [
  ...PERSONAL_FIELDS,
  ...PERSONAL_FIELDS.map((f) => `*.${f}`),
  ...PERSONAL_FIELDS.map((f) => `*.*.${f}`),
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

export interface LoggerOptions {
  level: Config['logLevel'];
  /** Pretty, coloured output; defaults to "stdout is a terminal". */
  pretty?: boolean;
  name?: string;
  /** Where log lines go (default: stdout); tests capture them. */
  destination?: DestinationStream;
}

/** The one root logger of a process. Child loggers carry caseNo, workflowId, unitId. */
export function createLogger({ level, pretty = process.stdout.isTTY === true, name, destination }: LoggerOptions): Logger {
  const options = {
    level,
    name,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

const TEMPORAL_TO_PINO = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
} as const satisfies Record<TemporalLogLevel, string>;

/** Routes the Temporal SDK's logs (worker, workflow `log`, activity `log`, core) into pino. */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}
  log(level: TemporalLogLevel, message: string, meta?: LogMetadata): void {
    this.logger[TEMPORAL_TO_PINO[level]]({ ...meta }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
