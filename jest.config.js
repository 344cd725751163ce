/** Native ESM + @swc/jest (see ../shared/toolchain.md §2): fast, no type-checking here (tsc does that in CI). */
export default {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  testTimeout: 30000,
  // Two suites at a time: most of a suite's time is spent waiting on its servers and child processes, so
  // on a 2-core machine (CI's) the whole run takes 270 s instead of 430 s one suite at a time (Jest's
  // default there: one worker per core but one).
  maxWorkers: 2,
};
