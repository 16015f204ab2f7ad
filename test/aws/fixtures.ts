import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';

/** A stack with an imported VPC: small templates, no whole VPC in snapshots. */
export function fixture() {
  // CloudFormation's schema validation is asserted on the example stack (example-stack.test.ts); unit tests of
  // the construct skip it: it costs ~16 ms a synth.
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Stack', {
    env: { account: '111111111111', region: 'us-east-1' },
    // No bootstrap-version rule: snapshots hold only what the endpoint adds.
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-12345678',
    availabilityZones: ['us-east-1a'],
    privateSubnetIds: ['subnet-11111111'],
    privateSubnetRouteTableIds: ['rtb-11111111'],
  });
  return { app, stack, vpc };
}

export const SEED = { passivePorts: { from: 50000, to: 50004 } };

type Json = Record<string, unknown>;

/** The resources of one type, as synthesized. */
export function resourcesOf(stack: Stack, type: string): Json[] {
  return Object.values(Template.fromStack(stack).findResources(type)).map(
    (r) => (r as { Properties: Json }).Properties,
  );
}

/** Ingress rules of the only security group of a type-filtered template, inline ones. */
export function inlineRules(
  stack: Stack,
  direction: 'SecurityGroupIngress' | 'SecurityGroupEgress',
  description: unknown = Match.anyValue(),
): Json[] {
  const groups = Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup', {
    Properties: { GroupDescription: description },
  });
  return Object.values(groups).flatMap(
    (g) => ((g as { Properties: Json }).Properties[direction] as Json[] | undefined) ?? [],
  );
}

/** Warnings on a path, as [id, message] with the "[ack: ...]" suffix removed. */
export function warningsOf(stack: Stack, path = '*'): Array<[string, string]> {
  return Annotations.fromStack(stack)
    .findWarning(path, Match.anyValue())
    .map((w) => {
      const text = String(w.entry.data);
      const ack = /\[ack: ([^\]]+)\]$/.exec(text);
      return [ack ? ack[1] : '', text.replace(/ \[ack: [^\]]+\]$/, '')];
    });
}

/** A fixture whose VPC has a public subnet (for the servers), with its route table (no CDK warning). */
export function publicFixture() {
  const f = fixture();
  const vpc = ec2.Vpc.fromVpcAttributes(f.stack, 'PublicVpc', {
    vpcId: 'vpc-12345678',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    publicSubnetIds: ['subnet-aaaaaaaa', 'subnet-bbbbbbbb'],
    publicSubnetRouteTableIds: ['rtb-aaaaaaaa', 'rtb-bbbbbbbb'],
  });
  return { ...f, vpc };
}

/**
 * A CloudFormation value as the text a cloud would produce, with references written as {Ref:X} or
 * {GetAtt:X.Attr} so tests can see where a deploy-time value lands.
 */
export function cfnText(value: unknown, nested = false, refs: Record<string, string> = {}): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  // The outer Fn::Base64 is how EC2 takes user data; one inside is a value the script decodes itself.
  if ('Fn::Base64' in v) {
    const text = cfnText(v['Fn::Base64'], true, refs);
    return nested ? Buffer.from(text, 'utf8').toString('base64') : text;
  }
  if ('Fn::Select' in v) {
    const [index, list] = v['Fn::Select'] as [number, Record<string, unknown>];
    const [sep, source] = list['Fn::Split'] as [string, unknown];
    return cfnText(source, true, refs).split(sep)[index];
  }
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => cfnText(p, true, refs)).join(sep);
  }
  if ('Ref' in v) return refs[String(v.Ref)] ?? `{Ref:${String(v.Ref)}}`;
  if ('Fn::GetAtt' in v) return `{GetAtt:${(v['Fn::GetAtt'] as string[]).join('.')}}`;
  throw new Error(`cfnText: unexpected ${JSON.stringify(value)}`);
}

/**
 * A fixture for fleets: two zones, public subnets for the load balancer (their CIDRs known, documentation
 * addresses: its health checks come from there) and private subnets for the backends.
 */
export function fleetFixture() {
  const f = fixture();
  const vpc = ec2.Vpc.fromVpcAttributes(f.stack, 'FleetVpc', {
    vpcId: 'vpc-12345678',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    publicSubnetIds: ['subnet-aaaaaaaa', 'subnet-bbbbbbbb'],
    publicSubnetRouteTableIds: ['rtb-aaaaaaaa', 'rtb-bbbbbbbb'],
    publicSubnetIpv4CidrBlocks: ['198.51.100.192/27', '198.51.100.224/27'],
    privateSubnetIds: ['subnet-cccccccc', 'subnet-dddddddd'],
    privateSubnetRouteTableIds: ['rtb-cccccccc', 'rtb-dddddddd'],
  });
  return { ...f, vpc };
}
