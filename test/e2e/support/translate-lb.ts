// Reads a synthesized load balancer the way the cloud wires it, and turns it into the stand-in balancer's
// forwarding table: port -> the backends it may reach. Test code only: imports nothing from lib/, and trusts
// nothing the constructs meant, only the JSON (CloudFormation listeners, target groups and targets; Terraform LB
// rules, backend pool associations, NAT rules and their NIC associations).

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One forwarded port: where a connection to it may land (several: balanced; one: that backend only). */
export interface ForwardedPort {
  readonly port: number;
  /** The port on the backend (the same as `port` for FTPS: PASV replies name the backend's own port). */
  readonly backendPort: number;
  /** Backend ids: CloudFormation instance logical ids, or Terraform NIC resource names. */
  readonly backends: string[];
}

const refOf = (v: unknown): string | undefined =>
  typeof v === 'object' && v !== null && 'Ref' in v ? String((v as Json).Ref) : undefined;

/** CloudFormation: every NLB listener, through its default forward action's target group, to the group's targets. */
export function cfnForwarding(template: { Resources: Json }): ForwardedPort[] {
  const resources = template.Resources;
  const out: ForwardedPort[] = [];
  for (const r of Object.values<Json>(resources)) {
    if (r.Type !== 'AWS::ElasticLoadBalancingV2::Listener') continue;
    const p = r.Properties;
    if (p.Protocol !== 'TCP') throw new Error(`listener on ${p.Port}: protocol ${p.Protocol}, not a TCP pass-through`);
    const actions = p.DefaultActions as Json[];
    if (actions.length !== 1 || actions[0].Type !== 'forward')
      throw new Error(`listener on ${p.Port}: not one forward action`);
    const group = resources[refOf(actions[0].TargetGroupArn) ?? ''];
    if (!group || group.Type !== 'AWS::ElasticLoadBalancingV2::TargetGroup')
      throw new Error(`listener on ${p.Port}: no target group`);
    const targets = group.Properties.Targets as Json[];
    const ports = new Set(targets.map((t) => Number(t.Port ?? group.Properties.Port)));
    if (ports.size !== 1) throw new Error(`listener on ${p.Port}: targets on several ports`);
    out.push({
      port: Number(p.Port),
      backendPort: [...ports][0],
      backends: targets.map((t) => refOf(t.Id) ?? String(t.Id)),
    });
  }
  return out.sort((a, b) => a.port - b.port);
}

/**
 * Terraform (azurerm): each load-balancing rule to the NICs in its backend pool (by their pool associations),
 * each inbound NAT rule to the NIC its association names.
 */
export function tfForwarding(config: Json): ForwardedPort[] {
  const res = config.resource ?? {};
  const name = (expr: unknown, type: string): string => {
    const m = new RegExp(`\\$\\{${type}\\.([^.}]+)\\.id\\}`).exec(String(expr));
    if (!m) throw new Error(`not a reference to a ${type}: ${String(expr)}`);
    return m[1];
  };
  const out: ForwardedPort[] = [];
  const poolMembers = (pool: string) =>
    Object.values<Json>(res.azurerm_network_interface_backend_address_pool_association ?? {})
      .filter((a) => name(a.backend_address_pool_id, 'azurerm_lb_backend_address_pool') === pool)
      .map((a) => name(a.network_interface_id, 'azurerm_network_interface'));
  for (const rule of Object.values<Json>(res.azurerm_lb_rule ?? {})) {
    if (String(rule.protocol).toLowerCase() !== 'tcp') throw new Error(`LB rule ${rule.name}: not TCP`);
    if (rule.enable_floating_ip || rule.floating_ip_enabled) throw new Error(`LB rule ${rule.name}: floating IP`);
    const pools = (rule.backend_address_pool_ids as string[]).map((p) => name(p, 'azurerm_lb_backend_address_pool'));
    out.push({
      port: Number(rule.frontend_port),
      backendPort: Number(rule.backend_port),
      backends: pools.flatMap(poolMembers),
    });
  }
  const natRules = res.azurerm_lb_nat_rule ?? {};
  const associations = Object.values<Json>(res.azurerm_network_interface_nat_rule_association ?? {});
  for (const [key, rule] of Object.entries<Json>(natRules)) {
    if (String(rule.protocol).toLowerCase() !== 'tcp') throw new Error(`NAT rule ${rule.name}: not TCP`);
    const nics = associations
      .filter((a) => name(a.nat_rule_id, 'azurerm_lb_nat_rule') === key)
      .map((a) => name(a.network_interface_id, 'azurerm_network_interface'));
    out.push({ port: Number(rule.frontend_port), backendPort: Number(rule.backend_port), backends: nics });
  }
  return out.sort((a, b) => a.port - b.port);
}
