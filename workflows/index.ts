/** Every workflow the case worker runs. */
export { complaintWorkflow } from './complaint-workflow.js';
