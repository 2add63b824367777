#!/usr/bin/env -S node --import tsx --no-warnings=ExperimentalWarning
// Runs the plugin's commands from src/ (through tsx), as the sf plugin template's bin/dev.js does:
// ./bin/dev.js jwtapp setup … from a clone, without building or linking.
async function main() {
  const { execute } = await import('@oclif/core');
  await execute({ development: true, dir: import.meta.url });
}

await main();
