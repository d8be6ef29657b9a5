import { defineConfig } from 'vitest/config';

// Tests run against the compiled build (dist/), never the .ts sources: worker pools load built .js files
// (piscina cannot load .ts workers), so testing the build is testing what users run. vitest excludes
// dist/ by default, hence the explicit exclude list.
export default defineConfig({
  test: {
    include: ['dist/test/**/*.test.js'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
