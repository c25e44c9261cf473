import { awscdk } from 'projen';

/**
 * Cost table: regenerate the cost estimate section of README.md (between the
 * `<!-- cost-table:start -->` and `<!-- cost-table:end -->` markers, appended if missing) from
 * `CostEstimate` and its price table, and print it (scripts/cost-table.ts). test/cost.test.ts
 * fails when the README's section is stale.
 */
export function addCostTableTask(project: awscdk.AwsCdkConstructLibrary): void {
  project.addTask('cost:table', {
    description: 'Regenerate the cost estimate table in README.md from CostEstimate (scripts/cost-table.ts)',
    exec: 'ts-node --transpile-only --project tsconfig.dev.json scripts/cost-table.ts',
  });
}
