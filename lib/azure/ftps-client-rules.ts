import { Construct } from 'constructs';
import { clientRules } from '../core';
import { FtpsNsgConstruct } from './private/ftps-nsg-construct';
import { NsgRuleSetProps } from './nsg-rule-set-props';

/** Properties of {@link FtpsClientRules}: the FTPS options of the server, and where the client's rules go. */
export interface FtpsClientRulesProps extends NsgRuleSetProps {
  /** Addresses (CIDRs, single addresses or a service tag) of the FTPS server(s) the clients reach. */
  readonly servers: string[];
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
    super(
      scope,
      id,
      props,
      {
        side: 'client',
        peerName: 'Server',
        peersProp: 'servers',
        peers: props?.servers ?? [],
        peerAsgProp: 'serverApplicationSecurityGroupIds',
        peerAsgIds: props?.serverApplicationSecurityGroupIds,
        localPrefixesProp: 'clientAddressPrefixes',
        localPrefixes: props?.clientAddressPrefixes,
      },
      clientRules,
    );
  }
}
