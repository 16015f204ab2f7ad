import { Construct } from 'constructs';
import { Diagnostic, PortRange, clientRules } from '../core';
import { Diagnose, describeValue } from '../core/internal';
import type { FtpsEndpoint } from './ftps-endpoint';
import { FtpsEndpointAttributes } from './ftps-endpoint-attributes';
import { FtpsNsgConstruct } from './private/ftps-nsg-construct';
import { NsgRuleSetProps } from './nsg-rule-set-props';

/** The FTPS option names: given with `endpoint`, they would be a second source of truth. */
const OPTION_NAMES = ['tls', 'controlPort', 'passivePorts', 'activeMode', 'clientPorts'] as const;

/** Properties of {@link FtpsClientRules}: the FTPS options of the server, and where the client's rules go. */
export interface FtpsClientRulesProps extends Omit<NsgRuleSetProps, 'passivePorts'> {
  /**
   * The endpoint the clients reach: an `FtpsEndpoint` (any stack of the app) or its `attributes()` (another
   * configuration). The FTPS options and, when the endpoint names them, the server addresses come from it; the
   * FTPS options must then not be given here.
   * @default none: give `passivePorts` (and the other options) and `servers`
   */
  readonly endpoint?: FtpsEndpoint | FtpsEndpointAttributes;
  /**
   * The passive data port range of the server. Required unless `endpoint` is given.
   * @default the endpoint's
   */
  readonly passivePorts?: PortRange;
  /**
   * Addresses (CIDRs, single addresses or a service tag) of the FTPS server(s) the clients reach.
   * @default the endpoint's `serverAddressPrefixes`; required when it has none
   */
  readonly servers?: string[];
  /**
   * Application security groups of the server(s).
   * @default none
   */
  readonly serverApplicationSecurityGroupIds?: string[];
  /**
   * Addresses of the clients, the source of the outbound rules.
   * @default "*": every address the NSG protects
   */
  readonly clientAddressPrefixes?: string[];
}

/**
 * The client side: the rules a client subnet's or NIC's NSG needs to reach an FTPS server — outbound to the
 * control port and the passive range (one rule), and, in active mode, inbound data from the server. Needed
 * where the client NSG denies outbound traffic by default rules of its own.
 */
export class FtpsClientRules extends FtpsNsgConstruct {
  constructor(scope: Construct, id: string, props: FtpsClientRulesProps) {
    const { effective, problems } = withEndpoint(props);
    super(
      scope,
      id,
      effective as NsgRuleSetProps,
      {
        side: 'client',
        peerName: 'Server',
        peersProp: 'servers',
        peers: effective?.servers ?? [],
        peerAsgProp: 'serverApplicationSecurityGroupIds',
        peerAsgIds: effective?.serverApplicationSecurityGroupIds,
        localPrefixesProp: 'clientAddressPrefixes',
        localPrefixes: effective?.clientAddressPrefixes,
      },
      clientRules,
      problems,
    );
  }
}

/** The props with the endpoint's options and servers filled in, and what is wrong with giving both. */
function withEndpoint(props: FtpsClientRulesProps): {
  effective: FtpsClientRulesProps;
  problems: Diagnostic[];
} {
  const endpoint = props?.endpoint;
  if (endpoint === undefined) return { effective: props, problems: [] };
  const problems: Diagnostic[] = [];
  const fromConstruct = typeof (endpoint as FtpsEndpoint)?.attributes === 'function';
  const attrs = fromConstruct
    ? (endpoint as FtpsEndpoint).attributes()
    : (endpoint as FtpsEndpointAttributes | null | undefined);
  if (attrs === null || typeof attrs !== 'object' || typeof attrs.passivePorts !== 'object') {
    problems.push(
      Diagnose.invalidProp(
        `endpoint (${describeValue(endpoint)}) is neither an FtpsEndpoint nor its attributes() (no passivePorts).`,
        'pass the FtpsEndpoint construct, or the object its attributes() returned.',
      ),
    );
    return { effective: props, problems };
  }
  for (const name of OPTION_NAMES) {
    if (props[name] !== undefined) {
      problems.push(
        Diagnose.invalidProp(
          `${name} is given together with endpoint; the FTPS options come from the endpoint, and a second copy could differ.`,
          `leave ${name} out: the endpoint's (${describeValue(attrs[name])}) is used.`,
        ),
      );
    }
  }
  const servers = props.servers ?? attrs.serverAddressPrefixes;
  if (servers === undefined && props.serverApplicationSecurityGroupIds === undefined) {
    problems.push(
      Diagnose.invalidProp(
        "servers is not given, and the endpoint has no serverAddressPrefixes (its rules admit '*', the NSG's own addresses).",
        "give the servers' addresses (e.g. the VM's private IP, from any stack), or set serverAddressPrefixes on the endpoint.",
      ),
    );
  }
  const options = Object.fromEntries(OPTION_NAMES.map((n) => [n, attrs[n]]).filter(([, v]) => v !== undefined));
  return { effective: { ...props, ...options, servers }, problems };
}
