module.exports = {
  extends: ['eslint-config-salesforce-typescript', 'plugin:sf-plugin/recommended'],
  root: true,
  rules: {
    // Salesforce's own plugins carry their copyright header; this project is not Salesforce's.
    header: 'off',
  },
  overrides: [
    {
      // Every command extends JwtappCommand (src/cli/command.ts), the one door: it owns `catch` and declares no
      // flag, so sf's base flags (--json, --flags-dir, oclif's `baseFlags`) reach each command unchanged — what
      // these two rules guard. plugin-org's sandbox commands extend SandboxCommandBase the same way.
      files: ['src/commands/**/*.ts'],
      rules: {
        'sf-plugin/only-extend-SfCommand': 'off',
        'sf-plugin/spread-base-flags': 'off',
      },
    },
  ],
};
