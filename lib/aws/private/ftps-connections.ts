import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * Connections whose "default port" is the whole FTPS port set: `allowDefaultPortFrom(x)` opens control and
 * data ports for x, exactly as `FtpsEndpoint.allowClient(x)` does (after open-constructs'
 * multi-default-port connections). There is deliberately no `defaultPort`: CDK's `x.connections
 * .allowDefaultPortTo(endpoint)` reads one port from it and would open the control port only, so it fails
 * ("no default port") and `endpoint.allowClient(x)` is the call that replaces it.
 */
export class FtpsConnections extends ec2.Connections {
  constructor(
    props: ec2.ConnectionsProps,
    private readonly allowClient: (client: ec2.IConnectable) => void,
  ) {
    super(props);
  }

  public override allowDefaultPortFrom(other: ec2.IConnectable): void {
    this.allowClient(other);
  }

  public override allowDefaultPortFromAnyIpv4(): void {
    this.allowClient(ec2.Peer.anyIpv4());
  }

  public override allowDefaultPortInternally(): void {
    for (const sg of this.securityGroups) this.allowClient(sg);
  }
}
