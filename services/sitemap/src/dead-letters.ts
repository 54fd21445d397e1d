import { deadLettersMain } from '@fairflax/read-service';
import { sitemap } from './service.js';

deadLettersMain(sitemap);
