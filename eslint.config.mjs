// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'cdktf.out/', 'coverage/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['lib/**/*.ts'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Layering (DESIGN.md): core imports nothing cloud; aws and azure never import each other; cli reads JSON with core only.
    files: ['lib/core/**/*.ts', 'lib/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'aws-cdk-lib',
            'aws-cdk-lib/*',
            'constructs',
            'cdktf',
            '@cdktf/*',
            '../aws/*',
            '../azure/*',
            '../../aws/*',
            '../../azure/*',
          ],
        },
      ],
    },
  },
  {
    files: ['lib/aws/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['cdktf', '@cdktf/*', '../azure/*', '../../azure/*'] }] },
  },
  {
    files: ['lib/azure/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['aws-cdk-lib', 'aws-cdk-lib/*', '../aws/*', '../../aws/*'] }],
    },
  },
  {
    files: ['lib/cli/**/*.ts', 'bin/**/*.ts', 'scripts/**/*.js', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
