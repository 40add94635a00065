// Lint and format for both editions: typescript-eslint's recommended rules, and dprint through
// @effect/eslint-plugin with the settings Effect's own repositories use. `npm run format` fixes.
import * as effectEslint from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/dist/**", "**/docs/**", "**/node_modules/**", "**/*.md", "fixtures/**"] },
  tseslint.configs.recommended,
  effectEslint.configs.dprint,
  {
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      "@typescript-eslint/no-namespace": "off"
    }
  },
  {
    // The README's tour of a session lists expressions on purpose.
    files: ["**/test/examples/**"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" }
  }
)
