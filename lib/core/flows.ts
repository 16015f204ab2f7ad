import { FtpsTls, PortRange, ResolvedFtpsOptions, formatPorts } from './ftps-options';

/** The TCP connections an FTPS session opens. */
export enum FlowKind {
  /** Client to server control port; explicit (AUTH TLS) or implicit TLS. */
  CONTROL = 'control',
  /** Client to a port of the server's passive range (PASV/EPSV). */
  PASSIVE_DATA = 'passive-data',
  /** Server from control port - 1 to a client ephemeral port (PORT/EPRT). */
  ACTIVE_DATA = 'active-data',
}

/** One end of a flow. */
export type Side = 'client' | 'server';

/** One TCP connection of an FTPS session: who opens it and the ports on each side. Everything is TCP. */
export interface FtpsFlow {
  readonly kind: FlowKind;
  readonly protocol: 'tcp';
  /** The side that sends the SYN. Stateful firewalls allow this direction; replies follow by state. */
  readonly opener: Side;
  /** Ports on the client host. */
  readonly clientPorts: PortRange;
  /** Ports on the server host. */
  readonly serverPorts: PortRange;
  /** What the connection is for, as used in rule descriptions ("FTPS passive data 50000-50004"). */
  readonly purpose: string;
}

/**
 * Derives the flows from checked, resolved options and nothing else (FTPS-FACTS.md, "The sessions"): control and
 * passive data always, active data when active mode is on. Use {@link planFtps} to get them from user options.
 */
export function deriveFlows(o: ResolvedFtpsOptions): FtpsFlow[] {
  const tlsLabel = o.tls === FtpsTls.IMPLICIT ? 'implicit' : 'explicit';
  const flows: FtpsFlow[] = [
    {
      kind: FlowKind.CONTROL,
      protocol: 'tcp',
      opener: 'client',
      clientPorts: o.clientPorts,
      serverPorts: { from: o.controlPort, to: o.controlPort },
      purpose: `FTPS control (${tlsLabel})`,
    },
    {
      kind: FlowKind.PASSIVE_DATA,
      protocol: 'tcp',
      opener: 'client',
      clientPorts: o.clientPorts,
      serverPorts: o.passivePorts,
      purpose: `FTPS passive data ${formatPorts(o.passivePorts)}`,
    },
  ];
  if (o.activeMode) {
    flows.push({
      kind: FlowKind.ACTIVE_DATA,
      protocol: 'tcp',
      opener: 'server',
      clientPorts: o.clientPorts,
      serverPorts: { from: o.activeDataPort, to: o.activeDataPort },
      purpose: `FTPS active data from port ${o.activeDataPort}`,
    });
  }
  return flows;
}
