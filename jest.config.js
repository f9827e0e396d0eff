// Jest runs TypeScript through SWC (fast, decorator metadata for TypeORM); type checking is `tsc --noEmit`.
const { existsSync } = require('node:fs');
const path = require('node:path');

const roots = ['bot', 'admin-web', 'migrations', 'scripts'].filter((dir) =>
  existsSync(path.join(__dirname, dir)),
);

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: roots.map((dir) => `<rootDir>/${dir}`),
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
