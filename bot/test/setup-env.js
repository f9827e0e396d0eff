// Runs before every test file: TypeORM's decorators need the metadata polyfill loaded first.
require('reflect-metadata');
