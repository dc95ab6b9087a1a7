// The house style the code already follows: neostandard (standard's rules for ESLint 9, with
// TypeScript support). https://github.com/neostandard/neostandard
import neostandard from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    ignores: ['node_modules/**', 'dist/**', 'dist.tmp-*/**', '.build-test-*/**', 'coverage/**', '.tap/**', 'src/graphql/generated.ts', 'bench/results/**']
  }),
  {
    rules: {
      // `void promise` marks a promise that is deliberately not awaited (fire and forget).
      'no-void': ['error', { allowAsStatement: true }]
    }
  }
]
