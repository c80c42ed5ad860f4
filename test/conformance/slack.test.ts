import { describeConformance } from './scenarios.js';
import { slackDriver } from './slack-driver.js';

describeConformance(slackDriver());
