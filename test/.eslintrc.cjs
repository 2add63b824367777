module.exports = {
  extends: '../.eslintrc.cjs',
  // Allow assert style expressions. i.e. expect(true).to.be.true
  rules: {
    'no-unused-expressions': 'off',
    '@typescript-eslint/no-unused-expressions': 'off',
    // Tests and the emulator are not published; they use devDependencies freely.
    'import/no-extraneous-dependencies': 'off',
    // The emulator speaks Salesforce's wire formats, whose field names are snake_case or PascalCase.
    camelcase: 'off',
    '@typescript-eslint/naming-convention': 'off',
    'class-methods-use-this': 'off',
  },
};
