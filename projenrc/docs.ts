import { awscdk } from 'projen';

/** Tasks that rewrite generated README sections from the code. */
export function addDocsTasks(project: awscdk.AwsCdkConstructLibrary): void {
  project.addTask('docs:suppressions', {
    description: 'Rewrite the README list of cdk-nag suppressions from the construct',
    exec: 'ts-node --project tsconfig.dev.json scripts/update-suppressions.ts',
  });

  project.addTask('docs:alarms', {
    description: 'Rewrite the README table of alarms from the monitoring catalogue',
    exec: 'ts-node --project tsconfig.dev.json scripts/alarm-table.ts',
  });

  project.addTask('docs:controls', {
    description: 'Rewrite the README table of AWS Control Tower proactive controls from fixtures/controls.ts',
    exec: 'ts-node --project tsconfig.dev.json scripts/control-table.ts',
  });

  project.addTask('docs:firewall', {
    description: 'Rewrite the README tables of the firewall\'s rules from its rule table',
    exec: 'ts-node --project tsconfig.dev.json scripts/firewall-table.ts',
  });
}
