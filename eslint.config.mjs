// ESLint flat config. Besides style, it enforces the dependency rules of DESIGN.md §3 so that a
// drift from the house shape fails `npm test` instead of waiting for a reviewer to notice.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const processEnvRule = {
  'no-restricted-properties': [
    'error',
    { object: 'process', property: 'env', message: 'Only bot/src/config.ts reads process.env (DESIGN §3).' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'data/**', 'coverage/**', 'node_modules/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      ...processEnvRule,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      eqeqeq: ['error', 'always'],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'node-cron', message: 'Only bot/src/jobs/scheduler.ts imports node-cron.' }] },
      ],
    },
  },
  {
    // The scheduler is the one place that talks to node-cron.
    files: ['bot/src/jobs/scheduler.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Config is the only reader of the environment; tests and tooling set up their own processes.
    files: ['bot/src/config.ts', 'bot/test/**', '**/*.test.ts', 'scripts/**/*.mjs', '*.config.{js,mjs}'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The admin web's browser script: plain ES5-style JS for any phone browser, no build step.
    files: ['admin-web/src/static/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
