// Lets plain `node` (type stripping) run the test helpers the demo and bench reuse: their imports
// name `.js` files, as TypeScript's NodeNext resolution wants, while the sources are `.ts`.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!/^\.{1,2}\/.*\.js$/.test(specifier)) throw error;
      return nextResolve(specifier.replace(/\.js$/, '.ts'), context);
    }
  },
});
