import { runMain } from './run.js';

await runMain();
// A request the run gave up on (an upload part hung on a dead network) must not keep the step
// alive: once main is done, the process ends within a second whatever is still open.
setTimeout(() => process.exit(), 1000).unref();
