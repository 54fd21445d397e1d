// A read service's `rebuild` command with a projection that keeps nothing: what
// rebuild-cli.int.spec.ts runs as a real process.
import { rebuildMain } from '../src/index.js';

rebuildMain({
  name: 'fixture',
  projection: () => ({ name: 'fixture-v1', migrate: () => undefined, apply: () => undefined }),
});
