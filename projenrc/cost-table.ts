import { awscdk } from 'projen';

/** `cost:table`: the README's cost estimate section. */
export function addCostTableTask(project: awscdk.AwsCdkConstructLibrary): void {
  // Cost table: regenerate the cost estimate section of README.md (between the
  // `<!-- cost-table:start -->` and `<!-- cost-table:end -->` markers, appended if missing)
  // from the price table in src/cost.ts, and print it. test/cost.test.ts fails when the
  // README's section is stale.
  project.addTask('cost:table', {
    description: 'Regenerate the cost estimate table in README.md from src/cost.ts',
    exec: "ts-node --transpile-only --project tsconfig.dev.json -e \"process.stdout.write(require('./src/cost').writeCostTable('README.md') + '\\n')\"",
  });
  // End of the cost table block.
}
