// The instance boot: user data rendering and the shell scripts beside this file. Internal to
// the library (not exported from src/index.ts).
export * from './user-data';
