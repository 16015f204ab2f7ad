import {
  FtpsValidationError,
  MAX_PASSIVE_PORTS,
  VSFTPD_BIND_TRIES,
  VSFTPD_LOSS_BOUND,
  passiveCapacity,
  portsForClients,
  predictLoss,
  sessionCap,
  sessionsCarried,
} from '../../lib/core';

describe('sessionCap: the sessions each daemon admits so no transfer is lost', () => {
  test('the seed 5 ports: vsftpd 2, ProFTPD 5, Pure-FTPd 2', () => {
    expect([sessionCap('vsftpd', 5), sessionCap('proftpd', 5), sessionCap('pure-ftpd', 5)]).toEqual([2, 5, 2]);
  });

  test.each([1, 2, 3, 5, 9, 10, 16, 20, 50, 100, 1000, 64512])(
    'vsftpd on %p ports: the largest cap whose worst case (all others holding) stays within the bound',
    (ports) => {
      const k = sessionCap('vsftpd', ports)!;
      const worst = (cap: number) => Math.pow((cap - 1) / ports, VSFTPD_BIND_TRIES);
      expect(k).toBeGreaterThanOrEqual(1);
      expect(k).toBeLessThanOrEqual(ports);
      expect(worst(k)).toBeLessThanOrEqual(VSFTPD_LOSS_BOUND);
      if (k < ports) expect(worst(k + 1)).toBeGreaterThan(VSFTPD_LOSS_BOUND);
    },
  );

  test('Pure-FTPd: half the range (its own rule), and no cap at all on a single port', () => {
    expect([2, 3, 6, 7].map((n) => sessionCap('pure-ftpd', n))).toEqual([1, 1, 3, 3]);
    expect(sessionCap('pure-ftpd', 1)).toBeUndefined();
    expect(passiveCapacity('pure-ftpd', 1)).toMatchObject({ capSetting: undefined, lossAtCap: 1, uncappedLossFrom: 2 });
  });

  test.each([0, -1, 2.5, 64513, Number.NaN])('refuses a port count of %p', (n) => {
    expect(() => sessionCap('vsftpd', n)).toThrow(FtpsValidationError);
    expect(() => sessionCap('vsftpd', n)).toThrow(
      /\[ftps-constructs:invalidLimit\] ports \(.*\) must be an integer from 1 to 64512/,
    );
  });
});

describe('passiveCapacity', () => {
  test('the seed range with vsftpd: cap 2, its setting, the refusal text, the loss at the cap, the rate for a 0.2 s hold', () => {
    const c = passiveCapacity('vsftpd', 5);
    expect(c).toMatchObject({
      sessionCap: 2,
      capSetting: 'max_clients=2',
      refusal: '421 There are too many connected users, please try later.',
      uncappedLossFrom: 3,
      holdSeconds: 0.2,
      startsPerSecond: 10,
    });
    expect(c.lossAtCap).toBeCloseTo(Math.pow(1 / 5, 9), 15);
  });

  test('ProFTPD loses nothing at its cap and starts losing one session past the range', () => {
    expect(passiveCapacity('proftpd', 5, 1.3)).toMatchObject({
      sessionCap: 5,
      capSetting: 'MaxClients 5',
      lossAtCap: 0,
      uncappedLossFrom: 6,
      startsPerSecond: 5 / 1.3,
    });
  });

  test('a hold time that is not a positive number is refused', () => {
    expect(() => passiveCapacity('vsftpd', 5, 0)).toThrow(
      /\[ftps-constructs:invalidLimit\] holdSeconds \(0\) must be a positive number/,
    );
  });

  test('an unknown daemon is an error naming the three, not a silent undefined', () => {
    for (const call of [
      () => sessionCap('ftpd' as never, 5),
      () => passiveCapacity('ftpd' as never, 5),
      () => portsForClients('ftpd' as never, 2),
      () => predictLoss({ daemon: 'ftpd' as never, ports: 5, sessions: 2, holdSeconds: 1, idleSeconds: 1 }),
    ])
      expect(call).toThrow(
        /\[ftps-constructs:invalidProp\] daemon \("ftpd"\) is not one of vsftpd, proftpd, pure-ftpd/,
      );
  });
});

describe('portsForClients: the smallest range whose cap admits the clients', () => {
  test.each([
    ['vsftpd', 1, 1],
    ['vsftpd', 3, 8],
    ['vsftpd', 10, 33],
    ['vsftpd', 50, 177],
    ['proftpd', 10, 10],
    ['pure-ftpd', 1, 1],
    ['pure-ftpd', 2, 4],
    ['pure-ftpd', 10, 20],
  ] as const)('%s, %p clients: %p ports', (daemon, clients, ports) => {
    expect(portsForClients(daemon, clients)).toBe(ports);
    expect(sessionsCarried(daemon, ports)).toBeGreaterThanOrEqual(clients);
    if (ports > 1) expect(sessionsCarried(daemon, ports - 1)).toBeLessThan(clients);
  });
});

test('no range carries more vsftpd sessions than the widest one caps: undefined, not an endless search', () => {
  const most = sessionCap('vsftpd', MAX_PASSIVE_PORTS)!;
  expect(most).toBe(17951);
  expect(portsForClients('vsftpd', most)).toBe(64509); // the cap reaches it a little before the widest range
  expect(portsForClients('vsftpd', most + 1)).toBeUndefined();
  expect(portsForClients('proftpd', MAX_PASSIVE_PORTS)).toBe(MAX_PASSIVE_PORTS);
  expect(() => portsForClients('proftpd', 0)).toThrow(
    /\[ftps-constructs:invalidLimit\] clients \(0\) must be a positive integer/,
  );
});

describe('predictLoss: the queueing model of an uncapped range', () => {
  const shape = { ports: 5, holdSeconds: 0.5, idleSeconds: 1 };
  test('no loss with fewer ProFTPD sessions than ports; loss grows with sessions', () => {
    expect(predictLoss({ daemon: 'proftpd', sessions: 5, ...shape })).toBe(0);
    const losses = [6, 10, 20, 50].map((sessions) => predictLoss({ daemon: 'proftpd', sessions, ...shape }));
    expect(losses[0]).toBeGreaterThan(0);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeGreaterThan(losses[i - 1]);
  });

  test('vsftpd loses before the range is full (the 9-draw failure), ProFTPD does not', () => {
    const vsftpd = predictLoss({ daemon: 'vsftpd', sessions: 5, ...shape });
    expect(vsftpd).toBeGreaterThan(0);
    expect(predictLoss({ daemon: 'proftpd', sessions: 5, ...shape })).toBe(0);
  });

  test('one session never loses; the classic Engset value for ProFTPD (blocking of 2 sessions on 1 port)', () => {
    expect(predictLoss({ daemon: 'vsftpd', sessions: 1, ports: 5, holdSeconds: 1, idleSeconds: 1 })).toBe(0);
    // 2 sources, 1 server, a = hold/idle = 1: an arriving request finds the port held with probability a/(1+a) = 1/2.
    expect(predictLoss({ daemon: 'proftpd', sessions: 2, ports: 1, holdSeconds: 1, idleSeconds: 1 })).toBeCloseTo(
      0.5,
      12,
    );
  });

  test('bad shapes are refused', () => {
    expect(() => predictLoss({ daemon: 'vsftpd', sessions: 0, ...shape })).toThrow(
      /\[ftps-constructs:invalidLimit\] sessions \(0\) must be a positive number/,
    );
  });
});
