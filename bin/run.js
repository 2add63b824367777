#!/usr/bin/env node
// Runs the plugin's compiled commands (lib/), as the sf plugin template's bin/run.js does.
async function main() {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}

await main();
