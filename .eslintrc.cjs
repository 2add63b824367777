module.exports = {
  extends: ['eslint-config-salesforce-typescript', 'plugin:sf-plugin/recommended'],
  root: true,
  rules: {
    // Salesforce's own plugins carry their copyright header; this project is not Salesforce's.
    header: 'off',
  },
};
