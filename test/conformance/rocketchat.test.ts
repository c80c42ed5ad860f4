import { rocketChatDriver } from './rocketchat-driver.js';
import { describeConformance } from './scenarios.js';

describeConformance(rocketChatDriver());
