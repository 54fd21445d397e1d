import { rebuildMain } from '@fairflax/read-service';
import { rss } from './service.js';

rebuildMain(rss);
