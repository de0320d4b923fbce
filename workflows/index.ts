/** Every workflow the case worker runs. */
export { complaintWorkflow } from './complaint-workflow.js';
export { monthlyEvaluationWorkflow } from './monthly-evaluation-workflow.js';
export { unitAccountabilityWorkflow } from './unit-accountability-workflow.js';
