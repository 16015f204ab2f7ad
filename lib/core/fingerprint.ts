import { createHash } from 'node:crypto';
import { ResolvedFtpsOptions } from './ftps-options';

/**
 * A short, stable fingerprint of what a firewall must open for an endpoint (TLS mode, control port, passive
 * range, active mode, client ports): equal for equal options however they were written (defaults applied).
 * Cross-app exports put it in their name, so a consumer that declares other options imports a name that does not
 * exist and its deploy fails, instead of opening other ports than the server listens on.
 */
export function ftpsOptionsFingerprint(options: ResolvedFtpsOptions): string {
  const canonical = [
    options.tls,
    options.controlPort,
    options.passivePorts.from,
    options.passivePorts.to,
    options.activeMode,
    options.clientPorts.from,
    options.clientPorts.to,
  ].join(' ');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 10);
}
