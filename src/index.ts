export * from './props';
export * from './dashboard';
export * from './monitoring-props';
export * from './monitoring';
export * from './backup';
export * from './access-logs';
export * from './cost';
export * from './upgrade';
