import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every violation in the cloud assembly's validation reports (CloudFormation Validate, cdk-nag, ...), as "plugin rule path". */
export function validationViolations(assemblyDir: string): string[] {
  return fs
    .readdirSync(assemblyDir)
    .filter((f) => /validation-report\.json$/.test(f))
    .flatMap((f) => {
      const report = JSON.parse(fs.readFileSync(path.join(assemblyDir, f), 'utf8'));
      return (report.pluginReports ?? []).flatMap(
        (p: {
          pluginName: string;
          violations?: Array<{ ruleName: string; violatingConstructs?: Array<{ constructPath: string }> }>;
        }) =>
          (p.violations ?? []).flatMap((v) =>
            (v.violatingConstructs ?? [{ constructPath: '?' }]).map(
              (c) => `${p.pluginName} ${v.ruleName} ${c.constructPath}`,
            ),
          ),
      );
    });
}
