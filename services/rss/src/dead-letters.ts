import { deadLettersMain } from '@fairflax/read-service';
import { rss } from './service.js';

deadLettersMain(rss);
