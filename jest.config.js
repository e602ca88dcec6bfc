// Jest in ESM: a unit project (specs beside the source, the docs checks in test/docs, the chart checks in test/k8s, the bench's pure pieces in bench/) and an e2e project (real processes).
const moduleNameMapper = {
  '^@app/protocol$': '<rootDir>/libs/protocol/src/index.ts',
  '^@app/protocol/(.*?)(\\.js)?$': '<rootDir>/libs/protocol/src/$1',
  '^@app/runtime$': '<rootDir>/libs/runtime/src/index.ts',
  '^@app/runtime/(.*?)(\\.js)?$': '<rootDir>/libs/runtime/src/$1',
  '^@app/dataplane$': '<rootDir>/libs/dataplane/src/index.ts',
  '^@app/dataplane/(.*?)(\\.js)?$': '<rootDir>/libs/dataplane/src/$1',
  '^(\\.{1,2}/.*)\\.js$': '$1',
};
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'es6' },
    },
  ],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper,
  transform,
  testEnvironment: 'node',
};

export default {
  // Each e2e test as it finishes, besides jest's summary of each file when it ends.
  reporters: ['default', '<rootDir>/test/support/progress-reporter.ts'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/test/docs/**/*.spec.ts',
        '<rootDir>/test/k8s/**/*.spec.ts',
        '<rootDir>/bench/**/*.spec.mjs',
      ],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-timeout.ts'],
      // Removes each file's temporary folders once its tests pass (test/support/scratch-dir.ts).
      testEnvironment: '<rootDir>/test/support/e2e-environment.ts',
    },
  ],
};
