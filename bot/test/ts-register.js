// Lets a child process started by a test run TypeScript sources directly (node -r ./bot/test/ts-register.js
// file.ts), compiled on the fly by SWC with the same options as Jest. Tests use it to exercise real separate
// processes (signals, several instances on one database) without a build step.
const fs = require('node:fs');
const swc = require('@swc/core');

require('reflect-metadata');

const options = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = swc.transformSync(source, { ...options, filename });
  module._compile(code, filename);
};
