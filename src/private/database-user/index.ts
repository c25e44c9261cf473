import * as path from 'path';

export * from './sql';

/** The bundled provisioning handler (`npx projen bundle`), the same path from `src/` and `lib/`. */
export const PROVISION_HANDLER_ASSET = path.join(__dirname, '..', '..', '..', 'assets', 'private', 'database-user', 'provision.lambda');
