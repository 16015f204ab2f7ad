// The public shapes of an endpoint seen from elsewhere: what another stack, app or account needs to add clients.
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { FtpsFlow, FtpsOptions, ResolvedFtpsOptions } from '../core';

/**
 * An FTPS endpoint's firewall, owned here ({@link FtpsEndpoint}) or elsewhere
 * ({@link FtpsEndpoint.fromEndpointAttributes}): what clients are added to.
 */
export interface IFtpsEndpoint extends ec2.IConnectable {
  /** The security group that holds (or, imported and immutable, is owned by someone who holds) the server's rules. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The FTPS options, defaults applied. */
  readonly options: ResolvedFtpsOptions;
  /** The flows the rules are derived from. */
  readonly flows: readonly FtpsFlow[];
  /** Opens every FTPS port (control, passive, and active data when on) between the endpoint and `client`. */
  allowClient(client: ec2.IConnectable): void;
}

/**
 * An FTPS endpoint made elsewhere: its security group and the FTPS options it was made with. Give the group either
 * by id (`securityGroupId`, for another account or a group made by hand) or by the export an
 * {@link FtpsEndpoint.exportAttributes} call made (`exportPrefix`, same account and region): the exported name
 * carries a fingerprint of the options, so options that differ from the server's fail the deploy instead of opening
 * other ports.
 */
export interface FtpsEndpointAttributes extends FtpsOptions {
  /**
   * The endpoint's security group id (`sg-...`), or a deploy-time value.
   * @default none: give this or `exportPrefix`
   */
  readonly securityGroupId?: string;
  /**
   * The prefix given to `endpoint.exportAttributes(prefix)` in the app that owns the endpoint.
   * @default none: give this or `securityGroupId`
   */
  readonly exportPrefix?: string;
  /**
   * Whether this app may add ingress rules for its clients to the endpoint's group. With false, only the clients'
   * own egress is added, and the group's owner admits the clients.
   * @default true
   */
  readonly mutable?: boolean;
  /**
   * Whether the endpoint's group allows all outbound traffic (then no egress is added to it in active mode).
   * @default false, as FtpsEndpoint creates it
   */
  readonly allowAllOutbound?: boolean;
}
