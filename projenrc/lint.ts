import { awscdk } from 'projen';
import { constructModuleOf, HANDLER_ROOMS, SHARED_WITH_HANDLERS } from './handlers';

/** The public construct modules: what src/private/ builds on, never the other way round. */
const PUBLIC_CONSTRUCT_MODULES = [
  'src/index.ts', 'src/dashboard.ts', 'src/monitoring.ts', 'src/backup.ts', 'src/access-logs.ts', 'src/cost.ts', 'src/file-sync/file-sync.ts',
];

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

  addBoundaries(project);

  // Lint type-checks every file through tsconfig.dev.json, whose `**/*.ts` skips dot files.
  project.tsconfigDev.addInclude('.projenrc.ts');
}

/**
 * The module graph's boundaries: no import cycles; src/private/ builds the public constructs and
 * never imports them (the props and option types they share are in src/props.ts and
 * src/monitoring-props.ts); Lambda handler code imports neither aws-cdk-lib nor constructs, nor
 * any module of the library outside the handler side.
 */
function addBoundaries(project: awscdk.AwsCdkConstructLibrary): void {
  const handlerCode = ['src/**/*.lambda.ts', ...HANDLER_ROOMS.map((room) => `${room.dir}/**/*.ts`), ...SHARED_WITH_HANDLERS];
  const constructSide = HANDLER_ROOMS.map(constructModuleOf);
  const privateZone = {
    target: './src/private',
    from: PUBLIC_CONSTRUCT_MODULES.map((file) => `./${file}`),
    message: 'src/private/ builds the public constructs and must not import them; '
      + 'import shared types from src/props.ts or src/monitoring-props.ts.',
  };
  project.eslint?.addOverride({
    files: ['src/**/*.ts'],
    rules: {
      'import/no-cycle': ['error'],
      'import/no-restricted-paths': ['error', { zones: [privateZone] }],
    },
  });

  const handlerMessage = 'Lambda handler code is bundled into its function: it may import only handler code '
    + '(the modules beside a handler, and src/private/shared/), never a construct module.';
  project.eslint?.addOverride({
    files: handlerCode,
    excludedFiles: constructSide,
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['aws-cdk-lib', 'constructs'].map((name) => ({ name, message: 'Lambda handler code runs without aws-cdk-lib and constructs.' })),
        patterns: [{ group: ['aws-cdk-lib/*'], message: 'Lambda handler code runs without aws-cdk-lib.' }],
      }],
      'import/no-restricted-paths': ['error', {
        zones: [
          privateZone,
          // (Globs of exceptions are matched against absolute paths.)
          { target: './src', from: ['./src/**/*.ts'], except: handlerCode.map((glob) => `**/${glob}`), message: handlerMessage },
          { target: './src', from: constructSide.map((file) => `./${file}`), message: handlerMessage },
        ],
      }],
    },
  });
}
