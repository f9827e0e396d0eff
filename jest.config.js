// Jest runs TypeScript through SWC (fast, decorator metadata for TypeORM); type checking is `tsc --noEmit`.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/bot', '<rootDir>/admin-web', '<rootDir>/migrations', '<rootDir>/scripts'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  setupFiles: ['<rootDir>/bot/test/setup-env.js'],
  testTimeout: 30000,
  maxWorkers: 2,
};
