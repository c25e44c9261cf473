import { awscdk } from 'projen';

/** ESLint rules of the library beyond projen's. */
export function addLintRules(project: awscdk.AwsCdkConstructLibrary): void {
  // The library refuses bad input with ValidationError (src/private/validation.ts), which names the
  // construct and every prop at once. Only the Lambda handlers and the modules they run (the file
  // sync's, the database user's SQL) throw plain errors, at run time.
  project.eslint?.addOverride({
    files: ['src/**/*.ts'],
    excludedFiles: ['src/**/*.lambda.ts', 'src/file-sync/*.ts', 'src/private/database-user/sql.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "ThrowStatement > NewExpression[callee.name='Error']",
        message: 'Throw ValidationError (or InternalError) from src/private/validation.ts instead of Error.',
      }],
    },
  });
  project.eslint?.addOverride({
    files: ['src/file-sync/file-sync.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "ThrowStatement > NewExpression[callee.name='Error']",
        message: 'Throw ValidationError (or InternalError) from src/private/validation.ts instead of Error.',
      }],
    },
  });

  // Lint type-checks every file through tsconfig.dev.json, whose `**/*.ts` skips dot files.
  project.tsconfigDev.addInclude('.projenrc.ts');
}
