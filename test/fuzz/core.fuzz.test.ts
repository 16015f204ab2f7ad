// Fuzz campaign, the core's public functions: the worksheet, the server-config renderers and the plan take
// anything a JavaScript caller passes and answer with a result or an FtpsValidationError with ids.
import * as fc from 'fast-check';
import {
  FtpsValidationError,
  buildWorksheet,
  planFtps,
  renderProftpdConf,
  renderPureFtpdFlags,
  renderVsftpdConf,
  renderWorksheet,
} from '../../lib/core';
import { hostileValue, runs, validFtps } from './generators';

/** Calls `f`; a throw must be an FtpsValidationError whose message names every id. */
function validationErrorOrResult(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FtpsValidationError);
    const error = e as FtpsValidationError;
    expect(error.diagnostics.length).toBeGreaterThan(0);
    for (const d of error.diagnostics) expect(error.message).toContain(`[${d.id}]`);
  }
}

const SETTINGS = { certificateFile: '/etc/ftps/cert.pem', privateKeyFile: '/etc/ftps/key.pem' };
const OPTION_FIELDS = [
  'tls',
  'controlPort',
  'passivePorts',
  'passivePorts.to',
  'activeMode',
  'clientPorts',
  '(options)',
];
const SETTING_FIELDS = [
  'certificateFile',
  'privateKeyFile',
  'passiveAddress',
  'requireSessionReuse',
  'usersRoot',
  '(settings)',
];

function mutate(base: Record<string, unknown>, where: string, value: unknown): Record<string, unknown> {
  if (where.startsWith('(')) return value as Record<string, unknown>;
  const copy = { ...base };
  if (where.includes('.')) {
    const [outer, inner] = where.split('.');
    copy[outer] = { ...((copy[outer] as object | undefined) ?? {}), [inner]: value };
  } else copy[where] = value;
  return copy;
}

describe('fuzz, core functions', () => {
  test('planFtps and the renderers: hostile options or settings end in FtpsValidationError with ids', () => {
    fc.assert(
      fc.property(
        validFtps,
        fc.constantFrom(...OPTION_FIELDS, ...SETTING_FIELDS),
        hostileValue,
        fc.constantFrom(renderVsftpdConf, renderProftpdConf, renderPureFtpdFlags),
        (o, where, value, render) => {
          const options = {
            tls: o.tls,
            controlPort: o.controlPort,
            passivePorts: o.passivePorts,
            activeMode: o.activeMode,
            clientPorts: o.clientPorts,
          };
          const isSetting = SETTING_FIELDS.includes(where);
          const opts = isSetting ? options : mutate(options, where, value);
          const settings = isSetting ? mutate(SETTINGS, where, value) : SETTINGS;
          validationErrorOrResult(() => planFtps(opts as never));
          validationErrorOrResult(() => render(opts as never, settings as never));
        },
      ),
      runs(300),
    );
  });

  test('a rendered configuration never holds a line the options did not make (no injected line)', () => {
    fc.assert(
      fc.property(
        validFtps,
        fc.string(),
        fc.constantFrom('passiveAddress', 'usersRoot', 'certificateFile'),
        (o, text, where) => {
          const value = `${where === 'passiveAddress' ? '198.51.100.7' : '/srv/ftps'}${text}\nanonymous_enable=YES`;
          let conf = '';
          try {
            conf = renderVsftpdConf({ passivePorts: o.passivePorts }, { ...SETTINGS, [where]: value });
          } catch (e) {
            expect(e).toBeInstanceOf(FtpsValidationError);
            return;
          }
          expect(conf.split('\n')).not.toContain('anonymous_enable=YES');
        },
      ),
      runs(100),
    );
  });

  test('the worksheet: hostile props end in FtpsValidationError with ids', () => {
    fc.assert(
      fc.property(
        validFtps,
        fc.constantFrom('options', 'clients', 'clients[0]', 'server', '(props)', 'format'),
        hostileValue,
        (o, where, value) => {
          const base: Record<string, unknown> = { options: { passivePorts: o.passivePorts }, clients: o.clients };
          let props = base;
          if (where === 'clients[0]') props = { ...base, clients: [value] };
          else if (where !== 'format') props = mutate(base, where, value);
          validationErrorOrResult(() => {
            const ws = buildWorksheet(props as never);
            renderWorksheet(ws, (where === 'format' ? value : 'md') as never);
          });
        },
      ),
      runs(300),
    );
  });
});
