// ESM jest: TypeScript is stripped by @swc/jest (ts-jest does not follow TypeScript 7, and swc is faster);
// type checking is `npm run typecheck`. Node runs jest with --experimental-vm-modules (see package.json).
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    }],
  },
  moduleNameMapper: {
    // source imports use NodeNext-style `./x.js`; jest resolves them to the .ts file
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // libphonenumber-js's ESM entry points trip Jest 30's resolver; its CommonJS builds are equivalent
    '^libphonenumber-js/max$': '<rootDir>/node_modules/libphonenumber-js/max/index.cjs',
    '^libphonenumber-js$': '<rootDir>/node_modules/libphonenumber-js/index.cjs',
  },
  setupFiles: ['<rootDir>/test/setup/realm.ts'],
  globalSetup: '<rootDir>/test/setup/build.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
