import { rebuildMain } from '@fairflax/read-service';
import { sitemap } from './service.js';

rebuildMain(sitemap);
