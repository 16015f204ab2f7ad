import {
  AZURE_LB_MAX_RULES,
  FtpsFleetPlan,
  FtpsValidationError,
  NLB_MAX_LISTENERS,
  fleetBackendFor,
  planFleet,
} from '../../lib/core';
import { sharedMountCommands } from '../../lib/core/internal';

const SEED = { passivePorts: { from: 50000, to: 50009 } };

function errorOf(fn: () => unknown): FtpsValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FtpsValidationError);
    return e as FtpsValidationError;
  }
  throw new Error('expected an FtpsValidationError');
}

/** Every passive port of the plan's range goes to exactly one backend, and that backend's range holds it. */
function expectDeterministic(fleet: FtpsFleetPlan): void {
  const passive = fleet.forwarding.filter((f) => f.purpose === 'passive');
  const ports = passive.map((f) => f.port);
  expect(new Set(ports).size).toBe(ports.length);
  for (const f of passive) {
    const owner = fleet.backends[f.to as number];
    expect(f.port).toBeGreaterThanOrEqual(owner.passivePorts.from);
    expect(f.port).toBeLessThanOrEqual(owner.passivePorts.to);
    expect(fleetBackendFor(fleet, f.port)?.index).toBe(owner.index);
  }
}

describe('planFleet: disjoint sub-ranges, each passive port to its owner, the control port to all', () => {
  test('10 ports, 2 backends: 50000-50004 and 50005-50009; 11 forwarded ports; caps summed', () => {
    const fleet = planFleet(SEED, { backends: 2 });
    expect(fleet.backends.map((b) => b.passivePorts)).toEqual([
      { from: 50000, to: 50004 },
      { from: 50005, to: 50009 },
    ]);
    expect(fleet.forwarding[0]).toEqual({ port: 21, purpose: 'control', to: 'all' });
    expect(fleet.forwarding.slice(1).map((f) => [f.port, f.to])).toEqual([
      [50000, 0],
      [50001, 0],
      [50002, 0],
      [50003, 0],
      [50004, 0],
      [50005, 1],
      [50006, 1],
      [50007, 1],
      [50008, 1],
      [50009, 1],
    ]);
    expect(fleet.forwardedPorts).toBe(11);
    expect(fleet.healthCheckPort).toBe(21);
    expect(fleet.unusedPorts).toBeUndefined();
    // Each backend is rendered with its own 5 ports: vsftpd cap 2, ProFTPD 5, Pure-FTPd 2; the fleet carries the sum.
    expect(fleet.sessionsCarried).toEqual({ vsftpd: 4, proftpd: 10, 'pure-ftpd': 4 });
    expect(fleet.backends[1].plan.options.passivePorts).toEqual({ from: 50005, to: 50009 });
    expectDeterministic(fleet);
  });

  test('an uneven split gives the first backends one port more; no port is left out', () => {
    const fleet = planFleet({ passivePorts: { from: 40000, to: 40010 } }, { backends: 3 });
    expect(fleet.backends.map((b) => b.passivePorts)).toEqual([
      { from: 40000, to: 40003 },
      { from: 40004, to: 40007 },
      { from: 40008, to: 40010 },
    ]);
    expectDeterministic(fleet);
  });

  test('passivePortsPerBackend takes sub-ranges from the start and reports the rest unused', () => {
    const fleet = planFleet({ passivePorts: { from: 50000, to: 50099 } }, { backends: 2, passivePortsPerBackend: 5 });
    expect(fleet.backends.map((b) => b.passivePorts)).toEqual([
      { from: 50000, to: 50004 },
      { from: 50005, to: 50009 },
    ]);
    expect(fleet.unusedPorts).toEqual({ from: 50010, to: 50099 });
    expect(fleet.forwardedPorts).toBe(11);
  });

  test('implicit TLS: the control port 990 is balanced and health-checked', () => {
    const fleet = planFleet({ ...SEED, tls: 'implicit' as never }, { backends: 2 });
    expect(fleet.forwarding[0]).toEqual({ port: 990, purpose: 'control', to: 'all' });
    expect(fleet.healthCheckPort).toBe(990);
  });

  test("concurrentClients is the fleet's: each backend is asked its share, and warns only if its range is short", () => {
    // 4 clients over 2 backends: 2 each, which 5 ports carry with every daemon (vsftpd 2).
    expect(planFleet({ ...SEED, concurrentClients: 4 }, { backends: 2 }).diagnostics).toEqual([]);
    const short = planFleet({ ...SEED, concurrentClients: 6 }, { backends: 2 });
    expect(short.backends[0].options.concurrentClients).toBe(3);
    expect(short.diagnostics.map((d) => d.id)).toEqual([
      'ftps-constructs:smallPassiveRange',
      'ftps-constructs:smallPassiveRange',
    ]);
  });

  test('the plan is frozen', () => {
    const fleet = planFleet(SEED, { backends: 2 });
    expect(Object.isFrozen(fleet)).toBe(true);
    expect(Object.isFrozen(fleet.backends[0])).toBe(true);
    expect(Object.isFrozen(fleet.forwarding[3])).toBe(true);
  });
});

describe('planFleet: bad shapes and load balancer limits are errors with ids, naming the fix', () => {
  test.each([
    [{ backends: 0 }, /backends \(0\) is not a whole number from 1 to 100/],
    [{ backends: 2.5 }, /backends \(2\.5\)/],
    [{ backends: '2' }, /backends \("2"\)/],
    [{ backends: 2, passivePortsPerBackend: 0 }, /passivePortsPerBackend \(0\)/],
    [null, /the fleet \(null\) is not an object/],
  ])('%j', (shape, message) => {
    const e = errorOf(() => planFleet(SEED, shape as never));
    expect(e.diagnostics.map((d) => d.id)).toEqual(['ftps-constructs:invalidFleet']);
    expect(e.message).toMatch(message);
  });

  test('invalid options and an invalid shape are reported together', () => {
    const e = errorOf(() => planFleet({ passivePorts: { from: 50010, to: 50000 } }, { backends: -1 }));
    expect(e.diagnostics.map((d) => d.id).sort()).toEqual([
      'ftps-constructs:invalidFleet',
      'ftps-constructs:invertedPortRange',
    ]);
  });

  test('more backends than ports: the ports needed and the range that has them', () => {
    const e = errorOf(() => planFleet({ passivePorts: { from: 50000, to: 50002 } }, { backends: 4 }));
    expect(e.message).toContain('4 backends × 1 passive port need 4 ports; passivePorts (50000-50002) has 3');
    expect(e.message).toContain('widen passivePorts to 50000-50003');
    const f = errorOf(() => planFleet(SEED, { backends: 3, passivePortsPerBackend: 5 }));
    expect(f.message).toContain('3 backends × 5 passive ports need 15 ports; passivePorts (50000-50009) has 10');
  });

  test('active mode: refused, the balancer cannot carry it', () => {
    const e = errorOf(() => planFleet({ ...SEED, activeMode: true }, { backends: 2 }));
    expect(e.diagnostics.map((d) => d.id)).toEqual(['ftps-constructs:invalidFleet']);
    expect(e.message).toContain('leave activeMode out');
  });

  test(`AWS NLB: ${NLB_MAX_LISTENERS} listeners, control included; one more is an error naming what fits`, () => {
    const fits = planFleet({ passivePorts: { from: 50000, to: 50048 } }, { backends: 7 }, { balancer: 'aws-nlb' });
    expect(fits.forwardedPorts).toBe(NLB_MAX_LISTENERS);
    const e = errorOf(() =>
      planFleet(
        { passivePorts: { from: 50000, to: 50049 } },
        { backends: 2 },
        { balancer: 'aws-nlb', context: 'Stack/Fleet' },
      ),
    );
    expect(e.diagnostics.map((d) => d.id)).toEqual(['ftps-constructs:loadBalancerLimit']);
    expect(e.message).toMatch(/^Stack\/Fleet: /);
    expect(e.message).toContain('2 backends with 50 passive ports in all need 51 Network Load Balancer listeners');
    expect(e.message).toContain('AWS does not raise that quota');
    expect(e.message).toContain('at most 24 passive ports per backend with 2 backends (passivePortsPerBackend: 24');
    // The same range is fine for a generic balancer (the worksheet's on-premises one).
    expect(planFleet({ passivePorts: { from: 50000, to: 50049 } }, { backends: 2 }).forwardedPorts).toBe(51);
  });

  test(`Azure Load Balancer: ${AZURE_LB_MAX_RULES} rules`, () => {
    const range = (n: number) => ({ passivePorts: { from: 40000, to: 40000 + n - 1 } });
    expect(planFleet(range(1499), { backends: 2 }, { balancer: 'azure-lb' }).forwardedPorts).toBe(1500);
    const e = errorOf(() => planFleet(range(1500), { backends: 2 }, { balancer: 'azure-lb' }));
    expect(e.message).toContain('need 1501 Azure Load Balancer rules');
    expect(e.message).toContain('passivePortsPerBackend: 749');
  });
});

describe('sharedMountCommands: the shared files mounted at boot, or the boot stops', () => {
  const NFS = {
    install: 'apt-get install -y nfs-common',
    source: 'acct.file.core.windows.net:/acct/ftps',
    type: 'nfs' as const,
    options: 'vers=4,minorversion=1,sec=sys,_netdev',
    mountPoint: '/srv/ftps',
  };

  test('installs the helper, writes fstab with the source as one quoted word, retries the mount 30 times, then stops', () => {
    const lines = sharedMountCommands(NFS);
    expect(lines[0]).toBe('apt-get install -y nfs-common');
    expect(lines[2]).toBe(
      "printf '%s %s nfs vers=4,minorversion=1,sec=sys,_netdev 0 0\\n' 'acct.file.core.windows.net:/acct/ftps' '/srv/ftps' >> /etc/fstab",
    );
    expect(lines[3]).toContain('[ "$tries" -ge 30 ]');
    expect(lines[3]).toContain('stopping before the FTP daemon starts" >&2; exit 1');
    // A source with shell syntax stays one word.
    expect(sharedMountCommands({ ...NFS, source: "x';$(reboot)" })[2]).toContain(`'x'\\'';$(reboot)' '/srv/ftps'`);
  });

  test.each([
    [{ mountPoint: '/srv/ftps; reboot' }],
    [{ options: 'vers=4 0 0\n/dev/sda / ext4' }],
    [{ type: 'cifs' }],
    [{ source: 'host:/x /etc ext4 defaults 0 0\nother:/y' }],
    [{ source: 'host:/x#' }],
  ])('refuses %j: an unsafeValue error', (bad) => {
    expect(() => sharedMountCommands({ ...NFS, ...(bad as object) } as never)).toThrow(
      /\[ftps-constructs:unsafeValue\] shared mount/,
    );
  });
});
