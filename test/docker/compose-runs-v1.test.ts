import { describeComposeRuns } from './support/compose-run-suite.js';

describeComposeRuns('v1');
