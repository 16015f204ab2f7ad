import { Fn, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { FtpsFlow, ResolvedFtpsOptions, ftpsOptionsFingerprint, planFtps } from '../../core';
import { Diagnose, Expectation, PropChecker, childPath, describeValue, throwOnErrors } from '../../core/internal';
import type { FtpsEndpointAttributes, IFtpsEndpoint } from '../ftps-endpoint-attributes';
import { ClassifiedClient, classifyClient, normalizeClients } from './clients';
import { StatefulRuleSet, addClientRules } from './client-rules';
import { FtpsConnections } from './ftps-connections';
import { connectableProblem, rulesOf } from './props';

/** Characters CloudFormation accepts in an export name. */
const EXPORT_NAME = /^[A-Za-z0-9:-]{1,200}$/;
const SECURITY_GROUP_ID = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** The export name that carries an endpoint's security group id: the prefix, then the options' fingerprint. */
export function exportName(prefix: string, options: ResolvedFtpsOptions): string {
  return `${prefix}-ftps-${ftpsOptionsFingerprint(options)}`;
}

const prop = (fix: string): Expectation => ({ diagnose: Diagnose.invalidProp, fix });

/** Checks an export prefix (a literal; CloudFormation export names are ASCII letters, digits, ':' and '-'). */
export function checkExportPrefix(c: PropChecker, name: string, value: unknown, required: boolean): string | undefined {
  const fix = prop("use up to 200 letters, digits, ':' and '-', e.g. 'Ftps-Prod'.");
  const prefix = c.string(name, value, fix, { required, allowToken: false });
  if (prefix !== undefined && !EXPORT_NAME.test(prefix)) {
    c.add(
      Diagnose.invalidProp(
        `${name} (${describeValue(prefix)}) is not a CloudFormation export name (letters, digits, ':' and '-', up to 200).`,
        fix.fix,
      ),
    );
    return undefined;
  }
  return prefix;
}

/**
 * An endpoint whose security group is made elsewhere. Adds, per client, what this app may add: the client's own
 * egress (and active-mode ingress), and the group's ingress when the group is mutable. No network ACL entries and
 * no quota checks: the owner's app holds and counts those.
 */
export class ImportedFtpsEndpoint extends Construct implements IFtpsEndpoint {
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;
  public readonly options: ResolvedFtpsOptions;
  public readonly flows: readonly FtpsFlow[];
  private readonly rules: StatefulRuleSet;
  private readonly mutable: boolean;
  private readonly keys = new Set<string>();

  constructor(scope: Construct, id: string, attrs: FtpsEndpointAttributes) {
    const path = childPath(scope, id);
    const c = new PropChecker((v) => Token.isUnresolved(v));
    const a = c.object(
      'attributes',
      attrs,
      prop('pass { securityGroupId (or exportPrefix), passivePorts, ... } as the endpoint was made.'),
      true,
    );
    let groupId: string | undefined;
    let prefix: string | undefined;
    let mutable: boolean | undefined;
    let allowAllOutbound: boolean | undefined;
    if (a !== undefined) {
      groupId = c.string(
        'securityGroupId',
        a.securityGroupId,
        prop("pass the group's id, e.g. 'sg-0123456789abcdef0', or exportPrefix."),
      );
      if (groupId !== undefined && !Token.isUnresolved(groupId) && !SECURITY_GROUP_ID.test(groupId)) {
        c.add(
          Diagnose.invalidProp(
            `securityGroupId (${describeValue(groupId)}) is not a security group id (sg- and 8 or 17 hex digits).`,
            "pass the group's id as EC2 shows it, e.g. 'sg-0123456789abcdef0'.",
          ),
        );
      }
      prefix = checkExportPrefix(c, 'exportPrefix', a.exportPrefix, false);
      const both = a.securityGroupId !== undefined && a.exportPrefix !== undefined;
      const neither = a.securityGroupId === undefined && a.exportPrefix === undefined;
      if (both || neither) {
        c.add(
          Diagnose.invalidProp(
            both
              ? 'securityGroupId and exportPrefix are both given; the group must come from one place.'
              : 'Neither securityGroupId nor exportPrefix is given: the endpoint has no security group.',
            'give exportPrefix (the prefix passed to endpoint.exportAttributes() in the owning app, same account and region) or securityGroupId (another account, or a group made by hand).',
          ),
        );
      }
      mutable = c.boolean(
        'mutable',
        a.mutable,
        prop('pass false when the owner admits your clients, or leave it out.'),
      );
      allowAllOutbound = c.boolean(
        'allowAllOutbound',
        a.allowAllOutbound,
        prop('pass true or false, or leave it out.'),
      );
    }
    if (a === undefined) throwOnErrors(c.found, path);
    const plan = planFtps(attrs, { isUnresolved: (v) => Token.isUnresolved(v), context: path, also: c.found });
    super(scope, id);
    this.options = plan.options;
    this.flows = plan.flows;
    this.mutable = mutable ?? true;
    // The same rules and ports an FtpsEndpoint with these options derives (shared per plan).
    this.rules = rulesOf(plan);
    const id_ = groupId ?? Fn.importValue(exportName(prefix!, plan.options));
    this.securityGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', id_, {
      mutable: this.mutable,
      allowAllOutbound: allowAllOutbound ?? false,
    });
    this.connections = new FtpsConnections({ securityGroups: [this.securityGroup] }, (client) =>
      this.allowClient(client),
    );
  }

  public allowClient(client: ec2.IConnectable): void {
    const problem = connectableProblem(client);
    const classified = problem ? undefined : classifyClient(client);
    if (problem || classified === undefined || 'level' in classified) {
      throwOnErrors(
        [
          classified && 'level' in classified
            ? classified
            : Diagnose.invalidClient(`Client (${describeValue(client)}) ${problem!.why}`, problem!.fix),
        ],
        this.node.path,
      );
      return;
    }
    if (!this.mutable && classified.kind !== 'securityGroup') {
      throwOnErrors(
        [
          Diagnose.invalidClient(
            `Client ${classified.label} has no security group of this app, and the imported endpoint group is immutable (mutable: false): there is no rule this app could add for it.`,
            "ask the endpoint's owner to add the client to their FtpsEndpoint, or import the endpoint with mutable: true.",
          ),
        ],
        this.node.path,
      );
    }
    for (const c of normalizeClients([classified], true)) this.add(c);
  }

  private add(client: ClassifiedClient): void {
    const key = Token.isUnresolved(client.value) ? undefined : `${client.kind}:${client.value}`;
    if (key !== undefined) {
      if (this.keys.has(key)) return;
      this.keys.add(key);
    }
    addClientRules(this.securityGroup, this.rules, client, this.mutable);
  }
}
