// Lint rules that fit the code as it is written (issue 9): ESLint's and typescript-eslint's recommended
// sets. Unused names are allowed when they start with '_' (destructuring that drops fields). Left out:
// consistent-type-imports (tsconfig's verbatimModuleSyntax already decides what an import emits) and
// type-aware rules (they would make a lint run several times slower for little that strict tsc misses).
// Tests may use `any` for parsed JSON, keep names for readability and escape freely in regexps.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'models/**', 'tools/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // A subscription a callback may read before subscribe() returns must be a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
      'no-useless-escape': 'off',
    },
  },
);
