import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  DestinationRule,
  Diagnostic,
  FirewallRule,
  FtpsPlan,
  PortRange,
  byDestination,
  planFtps,
  statefulServerRules,
  statelessServerRules,
} from '../../core';
import { Diagnose, Expectation, PropChecker, describeValue, throwOnErrors } from '../../core/internal';
import type { FtpsEndpointProps } from '../ftps-endpoint';

import { DEFAULT_NETWORK_ACL_RULE_LIMIT, DEFAULT_SECURITY_GROUP_RULE_LIMIT, MAX_NACL_RULE_NUMBER } from '../limits';

/** Everything an endpoint's construction reads from its props, checked. */
export interface EndpointPlan extends FtpsPlan {
  readonly statefulRules: readonly FirewallRule[];
  /** The port of each stateful rule, by index. */
  readonly statefulPorts: readonly ec2.Port[];
  readonly controlPort: ec2.Port;
  /** Stateless rules as network ACL entries see them; empty without a network ACL. */
  readonly statelessRules: readonly DestinationRule[];
  readonly aggregate: boolean;
  readonly securityGroupRuleLimit: number;
  readonly nacl: {
    readonly start: number;
    readonly step: number;
    readonly reserved: ReadonlySet<number>;
    readonly limit: number;
  };
  /** The clients given in props, type-checked (classified later, with the endpoint's state). */
  readonly clients: readonly ec2.IConnectable[];
}

const limit = (fix: string): Expectation => ({ diagnose: Diagnose.invalidLimit, fix });
const prop = (fix: string): Expectation => ({ diagnose: Diagnose.invalidProp, fix });
/** Characters EC2 accepts in a security group description (and its length). */
const SG_DESCRIPTION = /^[A-Za-z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/;

/**
 * Checks every prop of an AWS endpoint, types first, with the FTPS options planned by the core in the same pass:
 * one {@link FtpsValidationError} lists every problem, before anything is created.
 */
export function planEndpoint(props: FtpsEndpointProps, path: string, extra: readonly Diagnostic[] = []): EndpointPlan {
  const c = new PropChecker((v) => Token.isUnresolved(v));
  const p = c.object(
    'props',
    props,
    { diagnose: Diagnose.missingProps, fix: 'pass { vpc, passivePorts, clients }.' },
    true,
  );
  const get = (name: keyof FtpsEndpointProps) => (p === undefined ? undefined : p[name]);
  if (p !== undefined) {
    const vpc = c.object(
      'vpc',
      p.vpc,
      prop('pass the ec2.IVpc of the FTPS server (ec2.Vpc.fromLookup, or your own).'),
      true,
    );
    if (vpc !== undefined && typeof vpc.vpcId !== 'string') {
      c.add(
        Diagnose.invalidProp(`vpc (${describeValue(vpc)}) is not an ec2.IVpc (it has no vpcId).`, 'pass an ec2.IVpc.'),
      );
    }
    for (const name of ['securityGroup', 'networkAcl'] as const) {
      const fix =
        name === 'securityGroup'
          ? 'pass an ec2.ISecurityGroup, or leave it out to create one.'
          : 'pass an ec2.INetworkAcl, or leave it out for security group rules only.';
      const value = c.object(name, p[name], prop(fix));
      const idField = name === 'securityGroup' ? 'securityGroupId' : 'networkAclId';
      if (value !== undefined && typeof value[idField] !== 'string') {
        c.add(Diagnose.invalidProp(`${name} (${describeValue(value)}) has no ${idField}.`, fix));
      }
    }
    const description = c.string(
      'securityGroupDescription',
      p.securityGroupDescription,
      prop('give up to 255 of a-z A-Z 0-9 space . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *, or leave it out.'),
    );
    if (description !== undefined && !Token.isUnresolved(description) && !SG_DESCRIPTION.test(description)) {
      c.add(
        Diagnose.invalidProp(
          `securityGroupDescription (${describeValue(description)}) has characters or a length EC2 refuses (CreateSecurityGroup would fail at deploy).`,
          'use up to 255 of a-z A-Z 0-9 space . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *.',
        ),
      );
    }
    if (p.aggregateClients !== undefined) {
      c.boolean(
        'aggregateClients',
        p.aggregateClients,
        prop('pass false to keep every client network as given, or leave it out (true).'),
      );
    }
    const clients = c.list('clients', p.clients, {
      diagnose: Diagnose.invalidClient,
      fix: "pass a list of peers or connectables, e.g. [ec2.Peer.ipv4('203.0.113.0/24')].",
    });
    clients?.forEach((client, i) => {
      const problem = connectableProblem(client);
      if (problem)
        c.add(Diagnose.invalidClient(`clients[${i}] (${describeValue(client)}) ${problem.why}`, problem.fix));
    });
  }
  const start = c.integer(
    'networkAclRuleNumberStart',
    get('networkAclRuleNumberStart'),
    { min: 1, max: MAX_NACL_RULE_NUMBER },
    limit('leave it unset (100) or pick a free number.'),
  );
  const step = c.integer(
    'networkAclRuleNumberStep',
    get('networkAclRuleNumberStep'),
    { min: 1, max: MAX_NACL_RULE_NUMBER },
    limit('leave it unset (10).'),
  );
  const naclLimit = c.integer(
    'networkAclRuleLimit',
    get('networkAclRuleLimit'),
    { min: 1, max: 40 },
    limit('use your account quota of rules per network ACL (20 by default, 40 at most).'),
  );
  const sgLimit = c.integer(
    'securityGroupRuleLimit',
    get('securityGroupRuleLimit'),
    { min: 1, max: 1000 },
    limit('use your account quota of rules per security group (60 by default).'),
  );
  const reservedFix = limit('list the rule numbers (1-32766) of entries made outside this app, e.g. [100, 200].');
  const reserved = c.list('networkAclReservedRuleNumbers', get('networkAclReservedRuleNumbers'), reservedFix);
  const reservedNumbers = new Set<number>();
  reserved?.forEach((n, i) => {
    const v = c.integer(
      `networkAclReservedRuleNumbers[${i}]`,
      n,
      { min: 1, max: MAX_NACL_RULE_NUMBER },
      reservedFix,
      true,
    );
    if (v !== undefined) reservedNumbers.add(v);
  });

  if (p === undefined) throwOnErrors(c.found, path);
  const plan = planFtps(props, {
    isUnresolved: (v) => Token.isUnresolved(v),
    context: path,
    also: [...c.found, ...extra],
  });
  const rules = rulesOf(plan);
  return {
    ...plan,
    ...rules,
    statelessRules: props.networkAcl ? rules.statelessRules : [],
    aggregate: props.aggregateClients ?? true,
    securityGroupRuleLimit: sgLimit ?? DEFAULT_SECURITY_GROUP_RULE_LIMIT,
    nacl: {
      start: start ?? 100,
      step: step ?? 10,
      reserved: reservedNumbers,
      limit: naclLimit ?? DEFAULT_NETWORK_ACL_RULE_LIMIT,
    },
    clients: (props.clients ?? []) as ec2.IConnectable[],
  };
}

/** Rules and ports by plan: plans are shared (frozen) between endpoints with the same options, so are these. */
const rulesByPlan = new WeakMap<
  FtpsPlan,
  Pick<EndpointPlan, 'statefulRules' | 'statefulPorts' | 'controlPort' | 'statelessRules'>
>();

export function rulesOf(plan: FtpsPlan) {
  let rules = rulesByPlan.get(plan);
  if (!rules) {
    const statefulRules = statefulServerRules(plan.flows);
    rules = {
      statefulRules,
      // CDK's Port objects are immutable and shared like Port.SSH.
      statefulPorts: statefulRules.map((r) => toPort(r.destinationPorts)),
      controlPort: ec2.Port.tcp(plan.options.controlPort),
      statelessRules: byDestination(statelessServerRules(plan.flows)),
    };
    rulesByPlan.set(plan, rules);
  }
  return rules;
}

/** Why a value is not a peer or connectable, or undefined when it is one. */
export function connectableProblem(value: unknown): { why: string; fix: string } | undefined {
  if (typeof value === 'string') {
    return {
      why: 'is a string, not a peer.',
      fix: `wrap it: ec2.Peer.ipv4(${JSON.stringify(value)}) (or ec2.Peer.ipv6 for an IPv6 network).`,
    };
  }
  const connections = (value as { connections?: unknown } | null | undefined)?.connections;
  if (typeof value !== 'object' || value === null || typeof connections !== 'object' || connections === null) {
    return {
      why: 'is not a peer or a connectable (it has no connections).',
      fix: "pass ec2.Peer.ipv4('203.0.113.0/24'), a security group, or an instance / auto scaling group.",
    };
  }
  return undefined;
}

function toPort(range: PortRange): ec2.Port {
  return range.from === range.to ? ec2.Port.tcp(range.from) : ec2.Port.tcpRange(range.from, range.to);
}
