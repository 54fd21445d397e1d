import { deadLettersMain } from '@fairflax/read-service';
import { graphProjection } from './projection.js';

// Graph replays the events itself once they are marked, so its search index follows them.
deadLettersMain({ name: 'graph', projection: () => graphProjection });
