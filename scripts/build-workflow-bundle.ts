/** Part of `npm run build`: prebundles the workflow code so production workers start fast. */
import { writeFile } from 'node:fs/promises';
import { runMain } from '../runtime/process.js';
import { bundleWorkflows } from '../runtime/temporal.js';

runMain(async () => {
  const { code } = await bundleWorkflows();
  await writeFile('dist/workflow-bundle.js', code);
  console.log(`dist/workflow-bundle.js written (${(code.length / 1024).toFixed(0)} KiB)`);
});
