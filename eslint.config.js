// Lint: the layers (src/core knows no front end, src/tui does not reach into src/cli, front ends
// do not reach into the workers), no import cycles, and typescript-eslint's recommended rules.
// Formatting is prettier's job (`npm run format`), not eslint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// The same rule under two names, so the layer rule and the worker rule are reported apart.
const restrictedPaths = importX.rules['no-restricted-paths'];
const petlab = { rules: { layers: restrictedPaths, 'no-worker-imports': restrictedPaths } };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/.tmp/**', 'coverage/**', 'models/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    // a few `eslint-disable no-control-regex` comments predate this config, which turns it off
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    plugins: { 'import-x': importX, 'react-hooks': reactHooks, petlab },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': undefined,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'petlab/layers': [
        'error',
        {
          zones: [
            { target: './src/core', from: ['./src/tui', './src/cli'], message: 'src/core knows nothing of the front ends.' },
            { target: './src/text', from: ['./src/core', './src/tui', './src/cli'], message: 'src/text is plain text formatting, below every layer.' },
            { target: './src/tui', from: './src/cli', message: 'the workbench does not use the CLI: shared code goes to src/text or src/core.' },
          ],
        },
      ],
      'petlab/no-worker-imports': [
        'error',
        { zones: [{ target: ['./src/tui', './src/cli'], from: './src/core/worker', message: 'front ends reach the workers through Session only.' }] },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'react-hooks/rules-of-hooks': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
      // a terminal program matches escape sequences; the regexes say so with \x1b on purpose
      'no-control-regex': 'off',
      // `let x = 0;` before an if/else that sets it is kept as a declaration of the type
      'no-useless-assignment': 'off',
      // TypeScript checks names (typescript-eslint's advice); bin/ and scripts/ are plain node
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
  // tests read loosely typed JSON results
  { files: ['test/**', 'bench/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
