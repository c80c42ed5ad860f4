import { consoleDriver } from './console-driver.js';
import { describeConformance } from './scenarios.js';

describeConformance(consoleDriver());
