import { discordDriver } from './discord-driver.js';
import { describeConformance } from './scenarios.js';

describeConformance(discordDriver());
