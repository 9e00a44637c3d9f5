/** Reconciliation: its report, a run asked for now, and the difference of a posting posted on request. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { productionOrderWorkflowId } from '../../workflows/productionOrder/workflow';
import { ReconciliationRefused } from '../reconciliation';
import { type StarterDependencies, operator, operatorReader, problem, zodProblems } from './shared';

const ReportQuery = z.strictObject({
  connection: z.string().min(1).optional(),
  run: z.string().min(1).optional(),
  day: z.iso.date({ error: 'must be a day, YYYY-MM-DD' }).optional(),
  plant: z.string().min(1).optional(),
  order: z.string().min(1).optional(),
  all: z.enum(['true', 'false']).optional(),
});
const RunBody = z.strictObject({ wait: z.boolean().default(false) }).optional();

export function reconciliationRoutes(app: FastifyInstance, deps: StarterDependencies): void {
  const refused = (reply: FastifyReply, error: unknown) => {
    if (error instanceof ReconciliationRefused) return problem(reply, error.status, error.status === 404 ? 'Not found' : 'Action refused', error.message);
    throw error;
  };

  /**
   * The latest finished run's report (of a connection, a day, or an order: `plant` and
   * `order`), or a run by id: the orders with differences (`all=true`: every order compared),
   * per line what the floor reported, the bridge posted and the ERP holds, and each difference.
   */
  app.get('/v1/reconciliation', operatorReader, async (request, reply) => {
    const query = ReportQuery.safeParse(request.query ?? {});
    if (!query.success) return problem(reply, 400, 'Invalid query', 'Name a connection, a run, a day or an order.', zodProblems(query.error));
    const { connection, run, day, plant, order, all } = query.data;
    if ((plant === undefined) !== (order === undefined)) return problem(reply, 400, 'Invalid query', 'An order is named by plant and order together.', [{ field: plant ? 'order' : 'plant', message: 'is required with the other' }]);
    const report = await deps.reconciliations.report({
      ...(run ? { runId: run } : {}),
      ...(connection ? { erpConnection: connection } : {}),
      ...(day ? { day } : {}),
      ...(plant && order ? { workflowId: productionOrderWorkflowId(plant, order) } : {}),
      all: all === 'true',
    });
    return report ?? problem(reply, 404, 'No reconciliation', `no finished reconciliation${connection ? ` of ${connection}` : ''}${day ? ` on ${day}` : ''}${run ? ` with id ${run}` : ''}${order ? ` that compared ${plant} ${order}` : ''}: POST /v1/reconciliation/<connection>/runs starts one`);
  });

  /** Reconciles the connection now (202 with the run's workflow id; `{"wait": true}`: 200 with its result). */
  app.post('/v1/reconciliation/:connection/runs', operator('connections'), async (request, reply) => {
    const body = RunBody.safeParse(request.body ?? undefined);
    if (!body.success) return problem(reply, 400, 'Invalid request', 'No run was started.', zodProblems(body.error));
    const { connection } = request.params as { connection: string };
    try {
      const started = await deps.reconciliations.runNow(connection, { wait: body.data?.wait ?? false });
      return reply.status(started.status ? 200 : 202).send({ ...started, report: `/v1/reconciliation?run=${encodeURIComponent(started.workflowId)}` });
    } catch (error) {
      return refused(reply, error);
    }
  });

  /** Posts the difference the latest run found for the order's posting (deleted or changed by hand in the ERP). */
  app.post('/v1/orders/:plant/:order/postings/:sequence/post-erp-difference', operator('orders'), async (request, reply) => {
    const { plant, order, sequence } = request.params as { plant: string; order: string; sequence: string };
    const number = z.coerce.number().int().positive().safeParse(sequence);
    if (!number.success) return problem(reply, 400, 'Invalid request', 'Nothing was posted.', [{ field: 'sequence', message: 'must be the posting\'s sequence number, a whole number from 1' }]);
    try {
      return await deps.reconciliations.postDifference(plant, order, number.data);
    } catch (error) {
      return refused(reply, error);
    }
  });
}
