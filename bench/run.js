#!/usr/bin/env node
// `npm run bench`: synth cost against hand-written baselines (ratios in the same run), rule minimality
// against a minimum computed here independently, scale to many clients, report speed and test-suite time.
// Prints a table and writes bench/results.json. Flags: --quick (fewer repetitions; writes
// bench/results.quick.json instead, so a noisy run never replaces the recorded one), --no-test-time.
// Synth times are taken in worker processes (this script with --synth-worker): see timeInWorkers.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const root = path.resolve(__dirname, '..');
const cdk = require('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2');
const { Testing, TerraformStack } = require('cdktf');
const { Construct } = require('constructs');
const { AzurermProvider } = require('@cdktf/provider-azurerm/lib/provider');
const { NetworkSecurityGroup } = require('@cdktf/provider-azurerm/lib/network-security-group');
const { NetworkSecurityRule } = require('@cdktf/provider-azurerm/lib/network-security-rule');
const aws = require(path.join(root, 'dist/lib/aws'));
const azure = require(path.join(root, 'dist/lib/azure'));
const { run: cli } = require(path.join(root, 'dist/lib/cli/main'));

const QUICK = process.argv.includes('--quick');
const REPS = QUICK ? 5 : 15;
// Run with --expose-gc (npm run bench does): a collection before each timed run keeps one variant's garbage
// from being charged to the other.
const gc = global.gc ?? (() => undefined);
const SEED = { passivePorts: { from: 50000, to: 50004 } };
// Synth cost uses a 10-port range: the seed's 5 ports draw a warning (with a stack trace) per endpoint, a
// feature the hand-written baseline lacks; its cost is measured on its own below.
const TEN = { passivePorts: { from: 50000, to: 50009 } };

// ---------- helpers ----------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs) => ({ min: Math.min(...xs), max: Math.max(...xs) });
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Times ours against the baseline and, if given, the nested baseline, in fresh worker processes.
 *
 * Why workers: CDK and CDKTF keep every token they ever registered in a process-wide map, so each 100-endpoint
 * synth leaves about 1 MB behind. After the hundreds of synths of a bench the heap was 600+ MB, every run slowed
 * down as it grew, and a run that happened to grow the map (a rehash) took 20-30 ms longer: the spread was a
 * third of the median. A user's `cdk synth` runs once in a fresh process. So each worker starts fresh, runs
 * two warm-up rounds and `rounds` timed rounds, and its heap stays below ~50 MB.
 *
 * In a round each variant takes one sample, in order, after a forced collection. A sample is `batch`
 * consecutive synths: with batch 1 every run starts from a collected heap; with 10, each variant pays for
 * its own garbage at the rate it makes it (no threshold effect of a collection landing in one run and not the
 * next). Medians of per-synth times over all workers' samples.
 */
function compare(cloud, n, { workers, rounds, batch = 1, variants = ['ours', 'baseline', 'nested'], options }) {
  const times = Object.fromEntries(variants.map((v) => [v, []]));
  for (let w = 0; w < workers; w++) {
    // Alternate the order between workers, so no variant always runs right after the same other one.
    const order = w % 2 ? [...variants].reverse() : variants;
    const job = JSON.stringify({ cloud, n, rounds, batch, variants: order, options });
    const out = execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'run.js'), '--synth-worker', job], {
      encoding: 'utf8',
    });
    const got = JSON.parse(out);
    for (const v of variants) times[v].push(...got[v]);
  }
  const [ours, baseline, nested] = variants.map((v) => median(times[v]));
  const width = (xs) => spread(xs).max - spread(xs).min;
  return {
    oursMs: round(ours, 1),
    baselineMs: round(baseline, 1),
    ratio: round(ours / baseline, 3),
    ...(nested !== undefined ? { nestedMs: round(nested, 1), ratioToNested: round(ours / nested, 3) } : {}),
    // Further variants (the one-level Azure class): median and ratio to the plain baseline.
    ...Object.fromEntries(
      variants
        .slice(3)
        .map((v) => [v, { ms: round(median(times[v]), 1), ratioToBaseline: round(median(times[v]) / baseline, 3) }]),
    ),
    oursSpread: width(times[variants[0]]),
    baselineSpread: width(times[variants[1]]),
    samples: times[variants[0]].length,
    workers,
    batch,
  };
}

/** The worker: two warm-up rounds and `rounds` timed rounds; prints the per-synth times of each variant. */
function synthWorker({ cloud, n, rounds, batch, variants, options }) {
  const opts = options === 'seed' ? SEED : TEN;
  const make = {
    aws: {
      ours: () => awsOurs(n, opts),
      ours10: () => awsOurs(n),
      baseline: () => awsBaseline(n),
      nested: () => awsBaseline(n, true),
    },
    azure: {
      ours: () => azureOurs(n, opts),
      baseline: () => azureBaseline(n),
      nested: () => azureBaseline(n, true),
      oneLevel: () => azureBaseline(n, 'oneLevel'),
    },
  }[cloud];
  const fns = variants.map((v) => [v, make[v]()]);
  const times = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = -2; r < rounds; r++) {
    for (const [name, fn] of fns) {
      gc();
      const t = performance.now();
      for (let i = 0; i < batch; i++) fn();
      if (r >= 0) times[name].push((performance.now() - t) / batch);
    }
  }
  process.stdout.write(JSON.stringify(times));
}

function awsStack() {
  const app = new cdk.App({ context: { 'aws:cdk:disable-stack-trace': true } });
  const stack = new cdk.Stack(app, 'Bench', {
    synthesizer: new cdk.DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['us-east-1a'] });
  return { app, stack, vpc };
}

function tfStack() {
  const stack = new TerraformStack(Testing.app(), 'bench');
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  return stack;
}

// ---------- 1. synth cost ----------

function awsOurs(n, options = TEN) {
  return () => {
    const { app, stack, vpc } = awsStack();
    for (let i = 0; i < n; i++)
      new aws.FtpsEndpoint(stack, `Ftps${i}`, { vpc, ...options, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });
    app.synth();
  };
}

/**
 * The hand-written rules. Plain (`nested` false): created directly in the stack. Nested: each endpoint's inside
 * a hand-written construct class, as a user who writes their own reusable construct would have them, with
 * ours' tree (`Ftps0/SecurityGroup`): separates what any construct costs (longer paths to hash into logical
 * ids, a constructor frame in every call stack CDK and CDKTF record) from what our code costs.
 */
function awsBaseline(n, nested = false) {
  return () => {
    const { app, stack, vpc } = awsStack();
    for (let i = 0; i < n; i++) {
      if (nested) {
        new HandWrittenSecurityGroup(stack, `Ftps${i}`, vpc);
      } else {
        const sg = new ec2.SecurityGroup(stack, `Sg${i}`, securityGroupProps(vpc));
        addFtpsIngress(sg);
      }
    }
    app.synth();
  };
}

class HandWrittenSecurityGroup extends Construct {
  constructor(scope, id, vpc) {
    super(scope, id);
    addFtpsIngress(new ec2.SecurityGroup(this, 'SecurityGroup', securityGroupProps(vpc)));
  }
}

const securityGroupProps = (vpc) => ({
  vpc,
  allowAllOutbound: false,
  description: 'FTPS server: control 21 and passive data 50000-50009',
});

// (CDK records no call stack for these rules, so a helper adds no cost.)
function addFtpsIngress(sg) {
  sg.addIngressRule(ec2.Peer.ipv4('203.0.113.0/24'), ec2.Port.tcp(21), 'FTPS control (explicit)');
  sg.addIngressRule(ec2.Peer.ipv4('203.0.113.0/24'), ec2.Port.tcpRange(50000, 50009), 'FTPS passive data 50000-50009');
}

function azureOurs(n, options = TEN) {
  return () => {
    const stack = tfStack();
    for (let i = 0; i < n; i++) {
      new azure.FtpsEndpoint(stack, `Ftps${i}`, {
        resourceGroupName: 'rg',
        location: 'westeurope',
        ...options,
        clients: ['203.0.113.0/24'],
        newNetworkSecurityGroupName: `nsg-${i}`,
      });
    }
    Testing.synth(stack, true);
  };
}

/**
 * As awsBaseline; nested, each endpoint's NSG and rule are at ours' depth (`Ftps0/Rules/Nsg`); `'oneLevel'`,
 * in a class without the `Rules` level (`Ftps0/Nsg`). The resources
 * are created in the loop or the constructor itself, and `nsg.name` read there: CDKTF records the call stack
 * of every token, so a helper function would add a frame the plain baseline does not have.
 */
function azureBaseline(n, nested = false) {
  return () => {
    const stack = tfStack();
    for (let i = 0; i < n; i++) {
      if (nested === 'oneLevel') {
        new OneLevelNsg(stack, `Ftps${i}`, i);
      } else if (nested) {
        new HandWrittenNsg(stack, `Ftps${i}`, i);
      } else {
        const nsg = new NetworkSecurityGroup(stack, `Nsg${i}`, nsgProps(i));
        new NetworkSecurityRule(stack, `Rule${i}`, nsgRuleProps(nsg.name));
      }
    }
    Testing.synth(stack, true);
  };
}

class HandWrittenNsg extends Construct {
  constructor(scope, id, i) {
    super(scope, id);
    const rules = new Construct(this, 'Rules');
    const nsg = new NetworkSecurityGroup(rules, 'Nsg', nsgProps(i));
    new NetworkSecurityRule(rules, 'ftps-inbound-ipv4', nsgRuleProps(nsg.name));
  }
}

/** The same, one level up (`Ftps0/Nsg`): what the `Rules` level costs, and what any construct level costs. */
class OneLevelNsg extends Construct {
  constructor(scope, id, i) {
    super(scope, id);
    const nsg = new NetworkSecurityGroup(this, 'Nsg', nsgProps(i));
    new NetworkSecurityRule(this, 'ftps-inbound-ipv4', nsgRuleProps(nsg.name));
  }
}

const nsgProps = (i) => ({ name: `nsg-${i}`, resourceGroupName: 'rg', location: 'westeurope' });

const nsgRuleProps = (networkSecurityGroupName) => ({
  name: 'ftps-inbound-ipv4',
  networkSecurityGroupName,
  resourceGroupName: 'rg',
  direction: 'Inbound',
  priority: 100,
  access: 'Allow',
  protocol: 'Tcp',
  sourcePortRange: '*',
  destinationPortRanges: ['21', '50000-50009'],
  sourceAddressPrefix: '203.0.113.0/24',
  destinationAddressPrefix: '*',
  description: 'FTPS control (explicit); FTPS passive data 50000-50009',
});

/** The cross-check at 100 endpoints: samples of 10 synths (see compare). */
function synthCostBatched() {
  const batched = { workers: QUICK ? 2 : 5, rounds: 2, batch: 10 };
  return [
    { cloud: 'AWS', endpoints: 100, ...compare('aws', 100, batched) },
    {
      cloud: 'Azure',
      endpoints: 100,
      ...compare('azure', 100, { ...batched, variants: ['ours', 'baseline', 'nested', 'oneLevel'] }),
    },
  ];
}

function synthCost() {
  const rows = [];
  for (const n of [1, 10, 100]) {
    // The target is at 100 endpoints: twice the samples there, where one run is ~0.05 s.
    const plan = n === 100 ? { workers: QUICK ? 2 : 8, rounds: 4 } : { workers: QUICK ? 1 : 3, rounds: 5 };
    rows.push({ cloud: 'AWS', endpoints: n, ...compare('aws', n, plan) });
    rows.push({ cloud: 'Azure', endpoints: n, ...compare('azure', n, plan) });
  }
  // The seed's small-range warning at 100 endpoints, against the same construct without it.
  const warn = compare('aws', 100, {
    workers: QUICK ? 1 : 3,
    rounds: 5,
    variants: ['ours', 'ours10'],
    options: 'seed',
  });
  rows.push({ cloud: 'AWS, seed 5-port range (warning) vs 10 ports', endpoints: 100, ...warn });
  return rows;
}

// ---------- 2. rule minimality (the minimum is computed here, independently of lib/) ----------

/** Minimal CIDR cover of a set of networks: merge intervals, then split each into aligned blocks. */
function minimalCidrs(cidrs, bits) {
  const intervals = cidrs
    .map((c) => {
      const [addr, len] = c.split('/');
      const start = bits === 32 ? BigInt(addr.split('.').reduce((a, o) => a * 256 + Number(o), 0)) : v6ToBig(addr);
      return [start, start + (1n << BigInt(bits - Number(len))) - 1n];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged = [];
  for (const [s, e] of intervals) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1] + 1n) last[1] = e > last[1] ? e : last[1];
    else merged.push([s, e]);
  }
  let count = 0;
  for (let [s, e] of merged) {
    while (s <= e) {
      let size = 1n;
      while ((s & (size * 2n - 1n)) === 0n && s + size * 2n - 1n <= e && size * 2n <= 1n << BigInt(bits)) size *= 2n;
      count++;
      s += size;
    }
  }
  return count;
}

function v6ToBig(addr) {
  const [head, tail] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((a, g) => (a << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

/** n IPv4 client networks where about a third are adjacent pairs and a tenth nested in another. */
function clientSet(n, withV6) {
  const v4 = [];
  for (let i = 0; v4.length < n; i++) {
    const third = Math.floor(i / 250);
    const fourth = (i % 250) + 1;
    if (i % 10 === 3 && v4.length)
      v4.push(`10.${third}.${fourth - 1}.128/25`); // nested in the previous /24... or not
    else if (i % 3 === 0)
      v4.push(`10.${third}.${fourth}.0/25`, `10.${third}.${fourth}.128/25`); // adjacent pair
    else v4.push(`10.${third}.${fourth}.0/24`);
  }
  const list = v4.slice(0, n);
  const v6 = withV6
    ? Array.from({ length: Math.max(1, Math.floor(n / 10)) }, (_, i) => `2001:db8:${(i * 2).toString(16)}::/48`)
    : [];
  return { v4: list, v6 };
}

function countAws(stack, endpoint) {
  let sg = 0;
  const cfnSg = endpoint.securityGroup.node.defaultChild;
  for (const prop of ['securityGroupIngress', 'securityGroupEgress']) {
    const rules = stack.resolve(cfnSg[prop]) || [];
    sg += rules.filter((r) => !(r.cidrIp === '255.255.255.255/32' && r.ipProtocol === 'icmp')).length;
  }
  sg += endpoint.node
    .findAll()
    .filter((c) => c instanceof ec2.CfnSecurityGroupIngress || c instanceof ec2.CfnSecurityGroupEgress).length;
  const nacl = endpoint.node.findAll().filter((c) => c instanceof ec2.CfnNetworkAclEntry).length;
  return { sg, nacl };
}

function minimality() {
  const rows = [];
  for (const tls of ['explicit', 'implicit']) {
    for (const activeMode of [false, true]) {
      for (const n of [1, 10, 100, 1000]) {
        for (const withV6 of [false, true]) {
          for (const withAcl of [false, true]) {
            const { v4, v6 } = clientSet(n, withV6);
            const nets = minimalCidrs(v4, 32) + (v6.length ? minimalCidrs(v6, 128) : 0);
            const families = 1 + (v6.length ? 1 : 0);
            // Minimum the clouds allow for these flows (see BENCHMARKS.md for the reasoning):
            const minSg = nets * (2 + (activeMode ? 1 : 0)); // (control, passive) in, active data out, per network
            const minAcl = withAcl ? nets * (2 + (activeMode ? 1 : 0) + 1) : 0; // in: control, passive, [20]; out: ephemeral
            const minNsg = families * (1 + (activeMode ? 1 : 0)); // one rule per direction and family carries all ports
            const { stack, vpc } = awsStack();
            const networkAcl = withAcl ? ec2.NetworkAcl.fromNetworkAclId(stack, 'Acl', 'acl-12345678') : undefined;
            const endpoint = new aws.FtpsEndpoint(stack, 'Ftps', {
              vpc,
              ...SEED,
              tls,
              activeMode,
              networkAcl,
              networkAclRuleNumberStep: 1,
              // Rules are counted, not deployed: the quota (checked at construction now) is raised to its maximum.
              securityGroupRuleLimit: 1000,
              clients: [...v4.map((c) => ec2.Peer.ipv4(c)), ...v6.map((c) => ec2.Peer.ipv6(c))],
            });
            const got = countAws(stack, endpoint);
            const tf = tfStack();
            const az = new azure.FtpsEndpoint(tf, 'Ftps', {
              resourceGroupName: 'rg',
              location: 'westeurope',
              ...SEED,
              tls,
              activeMode,
              clients: [...v4, ...v6],
            });
            rows.push({
              tls,
              activeMode,
              clients: v4.length + v6.length,
              ipv6: withV6,
              nacl: withAcl,
              networks: nets,
              awsSg: got.sg,
              awsSgMin: minSg,
              awsNacl: got.nacl,
              awsNaclMin: minAcl,
              azureNsg: az.rules.length,
              azureNsgMin: minNsg,
              minimal: got.sg === minSg && got.nacl === minAcl && az.rules.length === minNsg,
            });
          }
        }
      }
    }
  }
  return rows;
}

// ---------- 3. scale: the largest client list before a quota error, and what the error says ----------

/** n client networks that cannot merge (every other /24). */
const disjoint = (n) => Array.from({ length: n }, (_, i) => `10.${Math.floor(i / 128)}.${(i % 128) * 2}.0/24`);

function awsSynthOk(n, withAcl) {
  const { app, stack, vpc } = awsStack();
  const networkAcl = withAcl ? ec2.NetworkAcl.fromNetworkAclId(stack, 'Acl', 'acl-12345678') : undefined;
  try {
    new aws.FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      networkAcl,
      networkAclRuleNumberStep: 1,
      clients: disjoint(n).map((c) => ec2.Peer.ipv4(c)),
    });
    app.synth();
    return { ok: true };
  } catch (e) {
    return { ok: false, message: e.message };
  }
}

function azureSynthOk(n) {
  try {
    new azure.FtpsEndpoint(tfStack(), 'Ftps', {
      resourceGroupName: 'rg',
      location: 'westeurope',
      ...SEED,
      clients: disjoint(n),
    });
    return { ok: true };
  } catch (e) {
    return { ok: false, message: e.message };
  }
}

function largest(check, hi) {
  let lo = 1;
  if (!check(lo).ok) return { largest: 0, error: check(lo).message };
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (check(mid).ok) lo = mid;
    else hi = mid - 1;
  }
  const over = check(lo + 1);
  return { largest: lo, error: over.ok ? undefined : over.message };
}

function scale() {
  const fix = (m) => (m ? (/Fix: ([^\n]*)/.exec(m) || [])[1] || m.split('\n')[1] : undefined);
  const sg = largest((n) => awsSynthOk(n, false), 200);
  const acl = largest((n) => awsSynthOk(n, true), 50);
  const nsg = largest((n) => azureSynthOk(n), 5000);
  const thousand = { aws: awsSynthOk(1000, false), azure: azureSynthOk(1000) };
  return {
    awsSecurityGroup: { largest: sg.largest, remedy: fix(sg.error) },
    awsWithNetworkAcl: { largest: acl.largest, remedy: fix(acl.error) },
    azureNsg: { largest: nsg.largest, remedy: fix(nsg.error) },
    thousandDisjointCidrs: {
      aws: thousand.aws.ok ? 'synthesizes' : `synth-time error; remedy: ${fix(thousand.aws.message)}`,
      azure: thousand.azure.ok
        ? 'synthesizes (one rule, 1000 prefixes)'
        : `synth-time error: ${fix(thousand.azure.message)}`,
    },
  };
}

/**
 * Time until 1000 distinct /32 clients (they cannot merge) get their quota error on AWS, against a one-client
 * endpoint synthesized in the same run: the error comes at construction, before any rule is built.
 */
function quotaErrorTime() {
  const hosts = Array.from({ length: 1000 }, (_, i) => `10.${i >> 6}.${(i & 63) * 4}.1/32`);
  const time = (build) => {
    const t = performance.now();
    build();
    return performance.now() - t;
  };
  const errorRun = () => {
    const { app, stack, vpc } = awsStack();
    try {
      new aws.FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: hosts.map((c) => ec2.Peer.ipv4(c)) });
      app.synth();
    } catch (e) {
      if (!/ftps-constructs:securityGroupRuleLimit/.test(e.message)) throw e;
      return;
    }
    throw new Error('1000 distinct /32 clients were not refused');
  };
  const baselineRun = () => {
    const { app, stack, vpc } = awsStack();
    new aws.FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });
    app.synth();
  };
  for (let i = 0; i < 3; i++) {
    errorRun();
    baselineRun();
  }
  const errors = [];
  const baselines = [];
  for (let i = 0; i < 15; i++) {
    errors.push(time(errorRun));
    baselines.push(time(baselineRun));
  }
  const errorMs = round(median(errors), 1);
  const baselineMs = round(median(baselines), 1);
  return { errorMs, baselineMs, ratio: round(errorMs / baselineMs, 2) };
}

// ---------- 4. report speed, test-suite time ----------

function reportSpeed() {
  const resources = {};
  for (let i = 0; i < 500; i++) {
    resources[`Rule${i}`] = {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: 'sg-1',
        CidrIp: `10.${i >> 8}.${i & 255}.0/24`,
        IpProtocol: 'tcp',
        FromPort: 21,
        ToPort: 21,
      },
    };
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ftps-bench-')), 'large.template.json');
  fs.writeFileSync(file, JSON.stringify({ Resources: resources }));
  const times = [];
  for (let i = 0; i < REPS; i++) {
    const t = performance.now();
    cli(['report', file], { stdout: () => undefined, stderr: () => undefined });
    times.push(performance.now() - t);
  }
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return { resources: 500, repetitions: REPS, medianMs: round(median(times), 1) };
}

/**
 * `ftps-rules report` and `diff` on templates of 1k, 10k and 50k security group rules (standalone resources):
 * both read the files and diff keys rules by logical id in maps, so time should grow linearly. The ratio column
 * is against the 1k run of the same command in the same run.
 */
function reportDiffScale() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftps-bench-diff-'));
  const template = (n, shift) => {
    const resources = {};
    for (let i = shift; i < n + shift; i++) {
      resources[`Rule${i}`] = {
        Type: 'AWS::EC2::SecurityGroupIngress',
        Properties: {
          GroupId: 'sg-1',
          CidrIp: `10.${(i >> 8) & 255}.${i & 255}.0/24`,
          IpProtocol: 'tcp',
          FromPort: 21,
          ToPort: 21,
        },
      };
    }
    return JSON.stringify({ Resources: resources });
  };
  const rows = [];
  const quiet = { stdout: () => undefined, stderr: () => undefined };
  for (const n of [1000, 10000, 50000]) {
    const before = path.join(dir, `before-${n}.template.json`);
    const after = path.join(dir, `after-${n}.template.json`);
    fs.writeFileSync(before, template(n, 0));
    fs.writeFileSync(after, template(n, 10));
    const reps = n >= 50000 ? 3 : 5;
    const time = (args) => {
      const times = [];
      for (let i = 0; i < reps; i++) {
        const t = performance.now();
        cli(args, quiet);
        times.push(performance.now() - t);
      }
      return round(median(times), 1);
    };
    rows.push({
      rules: n,
      reportMs: time(['report', before]),
      diffMs: time(['diff', before, after, '--fail-on', 'none']),
    });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  for (const r of rows) {
    r.reportPerRuleUs = round((r.reportMs * 1000) / r.rules, 1);
    r.diffPerRuleUs = round((r.diffMs * 1000) / r.rules, 1);
  }
  return rows;
}

function testSuiteTime() {
  const t = performance.now();
  execFileSync('npm', ['test', '--silent'], { cwd: root, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
  return { seconds: round((performance.now() - t) / 1000, 1) };
}

// ---------- main ----------

function main() {
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
  const started = performance.now();
  console.log(
    `machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}${QUICK ? ' (--quick)' : ''}`,
  );

  const synth = synthCost();
  console.log(
    '\n1. Synth time, median per synth, against hand-written baselines in the same run (fresh worker processes)',
  );
  console.log(
    '| cloud | endpoints | ftps-constructs ms | baseline ms | ratio | nested baseline ms | ratio to nested | spread ours / baseline ms | samples |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of synth)
    console.log(
      `| ${r.cloud} | ${r.endpoints} | ${r.oursMs} | ${r.baselineMs} | ${r.ratio} | ${r.nestedMs ?? '-'} | ${r.ratioToNested ?? '-'} | ${round(r.oursSpread, 1)} / ${round(r.baselineSpread, 1)} | ${r.samples} |`,
    );

  const batched = synthCostBatched();
  console.log('\n1b. Cross-check: batches of 10 synths without forced collection, median per synth');
  console.log(
    '| cloud | endpoints | ftps-constructs ms | baseline ms | ratio | nested baseline ms | ratio to nested |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of batched)
    console.log(
      `| ${r.cloud} | ${r.endpoints} | ${r.oursMs} | ${r.baselineMs} | ${r.ratio} | ${r.nestedMs} | ${r.ratioToNested} |`,
    );
  const oneLevel = batched.find((r) => r.oneLevel)?.oneLevel;
  if (oneLevel)
    console.log(
      `Azure, the hand-written resources in a one-level class (Ftps0/Nsg): ${oneLevel.ms} ms, ${oneLevel.ratioToBaseline}x the plain baseline`,
    );

  const minimal = minimality();
  console.log(
    `\n2. Rule minimality: ${minimal.filter((r) => r.minimal).length} of ${minimal.length} cases emit the computed minimum`,
  );
  console.log('| tls | active | clients | IPv6 | NACL | networks | AWS SG (min) | AWS NACL (min) | Azure NSG (min) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of minimal.filter((x) => x.tls === 'explicit' || !x.minimal)) {
    console.log(
      `| ${r.tls} | ${r.activeMode ? 'on' : 'off'} | ${r.clients} | ${r.ipv6 ? 'yes' : 'no'} | ${r.nacl ? 'yes' : 'no'} | ${r.networks} | ${r.awsSg} (${r.awsSgMin}) | ${r.awsNacl} (${r.awsNaclMin}) | ${r.azureNsg} (${r.azureNsgMin}) |${r.minimal ? '' : ' NOT MINIMAL'}`,
    );
  }

  const scaled = scale();
  console.log('\n3. Scale: the largest list of disjoint client networks one endpoint synthesizes');
  console.log(JSON.stringify(scaled, null, 2));

  const quota = quotaErrorTime();
  console.log(
    `\n3b. 1000 distinct /32 clients on AWS: quota error after ${quota.errorMs} ms (median of 15); a one-client endpoint synthesizes in ${quota.baselineMs} ms: ${quota.ratio}x`,
  );

  const report = reportSpeed();
  const reportDiff = reportDiffScale();
  console.log('\n4b. report and diff at scale (median ms; per rule in µs: flat means linear)');
  console.log('| rules | report ms | per rule µs | diff ms | per rule µs |');
  console.log('|---|---|---|---|---|');
  for (const r of reportDiff)
    console.log(`| ${r.rules} | ${r.reportMs} | ${r.reportPerRuleUs} | ${r.diffMs} | ${r.diffPerRuleUs} |`);
  console.log(`\n4. ftps-rules report on a ${report.resources}-resource template: ${report.medianMs} ms (median)`);

  const suite = process.argv.includes('--no-test-time') ? undefined : testSuiteTime();
  if (suite) console.log(`5. npm test (tsc, eslint, prettier, jest) on this machine: ${suite.seconds} s`);

  const results = {
    date: new Date().toISOString(),
    machine,
    synth,
    synthBatched: batched,
    minimality: minimal,
    scale: scaled,
    quotaError: quota,
    report,
    reportDiff,
    testSuite: suite,
    benchSeconds: round((performance.now() - started) / 1000, 1),
  };
  const out = QUICK ? 'results.quick.json' : 'results.json';
  fs.writeFileSync(path.join(__dirname, out), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote bench/${out} (${results.benchSeconds} s)`);
  if (minimal.some((r) => !r.minimal)) process.exitCode = 1;
}

const worker = process.argv.indexOf('--synth-worker');
if (worker >= 0) synthWorker(JSON.parse(process.argv[worker + 1]));
else main();
