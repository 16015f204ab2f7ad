import { Construct } from 'constructs';
import { statefulServerRules } from '../core';
import { FtpsEndpointAttributes } from './ftps-endpoint-attributes';
import { FtpsNsgConstruct } from './private/ftps-nsg-construct';
import { NsgRuleSetProps } from './nsg-rule-set-props';
import { NsgRuleSetPeers } from './private/nsg-rule-set';

/** Properties of an Azure {@link FtpsEndpoint}: the FTPS options plus where the NSG rules go. */
export interface FtpsEndpointProps extends NsgRuleSetProps {
  /**
   * Who may connect: CIDRs, single addresses, or service tags (`Internet`, `VirtualNetwork`, `*`). CIDRs share
   * one rule per IP version; each service tag gets its own rule, as Azure requires.
   */
  readonly clients: string[];
  /**
   * Application security groups of the clients (up to 10 per rule; more make more rules).
   * @default none
   */
  readonly clientApplicationSecurityGroupIds?: string[];
  /**
   * Addresses of the FTPS server(s), the destination of the inbound rules.
   * @default "*": every address the NSG protects (the subnet or NIC it is associated with)
   */
  readonly serverAddressPrefixes?: string[];
  /**
   * Application security groups of the server(s), instead of `serverAddressPrefixes`.
   * @default none
   */
  readonly serverApplicationSecurityGroupIds?: string[];
}

/**
 * The network security group rules of an FTPS server on Azure, rendered from the core's stateful projection:
 * one inbound rule carries the control port and the passive range for all CIDR clients ("21",
 * "50000-50004"); a service tag or application security groups get rules of their own; active mode adds
 * the outbound rule. Creates the NSG (or adds to an existing one) and associates it with a subnet or NIC.
 */
export class FtpsEndpoint extends FtpsNsgConstruct {
  private readonly serverAddressPrefixes?: string[];

  constructor(scope: Construct, id: string, props: FtpsEndpointProps) {
    super(scope, id, props, serverSide(props), statefulServerRules);
    const prefixes = props.serverAddressPrefixes;
    this.serverAddressPrefixes = prefixes && !prefixes.includes('*') ? [...prefixes] : undefined;
  }

  /**
   * What a client side needs: the NSG, the FTPS options (defaults applied) and the server addresses when they were
   * given. Pass it to `FtpsClientRules` as `endpoint`, in another stack or (saved as JSON) another configuration.
   */
  public attributes(): FtpsEndpointAttributes {
    const o = this.options;
    return {
      resourceGroupName: this.configuredResourceGroupName,
      networkSecurityGroupName: this.configuredNsgName,
      tls: o.tls,
      controlPort: o.controlPort,
      passivePorts: { ...o.passivePorts },
      activeMode: o.activeMode,
      clientPorts: { ...o.clientPorts },
      ...(this.serverAddressPrefixes ? { serverAddressPrefixes: [...this.serverAddressPrefixes] } : {}),
    };
  }
}

/** The server side's peers (the clients) and local addresses, read from an endpoint's props. @internal */
export function serverSide(props: FtpsEndpointProps | undefined): NsgRuleSetPeers {
  return {
    side: 'server',
    peerName: 'Client',
    peersProp: 'clients',
    peers: props?.clients ?? [],
    peerAsgProp: 'clientApplicationSecurityGroupIds',
    peerAsgIds: props?.clientApplicationSecurityGroupIds,
    localPrefixesProp: 'serverAddressPrefixes',
    localPrefixes: props?.serverAddressPrefixes,
    localAsgProp: 'serverApplicationSecurityGroupIds',
    localAsgIds: props?.serverApplicationSecurityGroupIds,
  };
}
