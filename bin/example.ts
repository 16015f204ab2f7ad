import { FtpsOptions, FtpsTls } from '../lib/core';

/**
 * The built-in example, the question this project exists to answer: explicit FTPS, a passive range of
 * 5 ports, clients from one documentation network. Every example app and `npm run synth` use it.
 */
export const SEED_OPTIONS: FtpsOptions = {
  tls: FtpsTls.EXPLICIT,
  passivePorts: { from: 50000, to: 50004 },
};

/** The client network of the example (RFC 5737 documentation range). */
export const SEED_CLIENTS: readonly string[] = ['203.0.113.0/24'];
