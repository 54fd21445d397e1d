// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // tutorial/steps/<branch>/ holds a step's own versions of seam files, linted on its branch.
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      'bench/results/**',
      'tutorial/steps/*/packages/**',
      'tutorial/steps/*/services/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    // Tests poke at untyped JSON and XML responses; `any` there is the honest type.
    files: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['**/*.js', '**/*.cjs'], extends: [tseslint.configs.disableTypeChecked] },
  {
    // Plain CommonJS run as it is, e.g. on a worker thread without the TypeScript loader.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The event explorer's page scripts, served to the browser as they are.
    files: ['services/graph/explorer/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'clearTimeout',
          'document',
          'fetch',
          'location',
          'setInterval',
          'setTimeout',
          'URLSearchParams',
          'WebSocket',
          'window',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
