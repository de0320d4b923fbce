import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { caseNoFor } from '../../domain/case.js';
import { caseStateQuery, complaintWorkflowId, type ComplaintWorkflowInput } from '../../workflows/messages.js';
import type { ApiDeps } from '../app.js';
import { notFound } from '../problem.js';
import { CaseNoParams, CaseViewSchema, ComplaintBody, CreatedCase, problemResponses } from '../schemas.js';

/** Intake and reading of complaints. */
export const complaintRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { temporal, config }) => {
  const links = (caseNo: string) => ({
    self: `/v1/complaints/${caseNo}`,
    temporalUi: `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(complaintWorkflowId(caseNo))}`,
  });

  app.post(
    '/v1/complaints',
    {
      schema: {
        tags: ['complaints'],
        summary: 'File a complaint (idempotent by source and ticket id)',
        body: ComplaintBody,
        response: { 201: CreatedCase, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const caseNo = caseNoFor(body.source, body.ticketId);
      const workflowId = complaintWorkflowId(caseNo);
      const input: ComplaintWorkflowInput = {
        caseNo,
        receivedAt: new Date().toISOString(),
        complaint: {
          source: body.source,
          ticketId: body.ticketId,
          title: body.title,
          description: body.description,
          category: body.category,
          urgency: body.urgency ?? 'normal',
          location: body.location,
          citizen: body.citizen,
        },
      };
      // The workflow start is the durable write: intake never waits on the read-model database.
      await temporal.client.workflow.start('complaintWorkflow', {
        taskQueue: temporal.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `${caseNo} · ${body.category} · ${input.complaint.urgency}`,
      }).catch((error: unknown) => {
        // A closed case with this id: the same ticket yields the same case.
        if (error instanceof Error && error.name === 'WorkflowExecutionAlreadyStartedError') return;
        throw error;
      });
      request.log.info({ caseNo, workflowId }, 'Complaint accepted');
      return reply.status(201).send({ caseNo, workflowId, links: links(caseNo) });
    },
  );

  app.get(
    '/v1/complaints/:caseNo',
    {
      schema: {
        tags: ['complaints'],
        summary: 'The live state of a case',
        params: CaseNoParams,
        response: { 200: CaseViewSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { caseNo } = request.params;
      try {
        const view = await temporal.client.workflow.getHandle(complaintWorkflowId(caseNo)).query(caseStateQuery);
        return { ...view, links: links(caseNo) };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw notFound(`No case ${caseNo}`);
        throw error;
      }
    },
  );
};
