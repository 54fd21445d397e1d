import { rebuildMain } from '@fairflax/read-service';
import { graphProjection } from './projection.js';

// The search index needs no rebuild of its own: graph fills it from SQLite when it starts.
rebuildMain({ name: 'graph', projection: () => graphProjection });
