/** Master data: materials, work-centre costs and bills of materials, as operators put them and the ERP's planning sync reads them. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Reference } from '../../domain/events';
import { fieldProblems } from '../../domain/fieldProblems';
import { BomComponent, BomComponentFields, MaterialMaster, WorkCentreCost } from '../../domain/masterData';
import { plantRefusal } from '../auth';
import { type StarterDependencies, operator, problem, reader, unionProblems, zodProblems } from './shared';

const BomBody = z.strictObject({
  components: z.array(BomComponentFields.omit({ plant: true, parentMaterial: true })).max(500, 'must hold at most 500 components'),
});

export function masterDataRoutes(app: FastifyInstance, deps: StarterDependencies): void {
  /** One master data record or an array of up to 1000: all are stored, or none, and every bad field is named. */
  function putMasterData<T>(route: string, record: z.ZodType<T>, what: string, store: (records: T[]) => Promise<void>) {
    const oneOrMany = z.union([record, z.array(record).min(1, `must hold at least one ${what}`).max(1000, `must hold at most 1000 ${what}s`)]);
    app.put(route, operator('masterData'), async (request, reply) => {
      const body = oneOrMany.safeParse(request.body);
      if (!body.success) return problem(reply, 400, `Invalid ${what}`, `No ${what} was changed.`, unionProblems(request.body, record, body.error));
      const records = Array.isArray(body.data) ? body.data : [body.data as T];
      const outside = records.flatMap((r, i) => {
        const refused = plantRefusal(request.caller!, (r as { plant: string }).plant);
        return refused ? [{ field: Array.isArray(body.data) ? `${i}.plant` : 'plant', message: refused }] : [];
      });
      if (outside.length > 0) return problem(reply, 403, 'Forbidden', `No ${what} was changed.`, outside);
      await store(records);
      return { upserted: records.length };
    });
  }
  putMasterData('/v1/master-data/materials', MaterialMaster, 'material', (materials) => deps.masterData.upsertMaterials(materials));
  /** What an hour of a work centre costs: its hours' overhead is booked as journal entries from then on. */
  putMasterData('/v1/master-data/work-centre-costs', WorkCentreCost, 'work centre cost', (costs) => deps.masterData.upsertWorkCentreCosts(costs));

  app.get('/v1/master-data/materials/:plant/:material', reader, async (request, reply) => {
    const { plant, material } = request.params as { plant: string; material: string };
    const found = (await deps.masterData.lookup(plant, [material])).materials[material];
    return found ?? problem(reply, 404, 'Unknown material', `no master data for material ${material} in plant ${plant}`);
  });

  /** The plant's work centres as the ERP keeps them (description, cost centre, rates per hour), read by the planning sync. */
  app.get('/v1/master-data/work-centres/:plant', reader, async (request) => {
    const { plant } = request.params as { plant: string };
    return { workCentres: await deps.masterData.erpWorkCentres(plant) };
  });

  /** A material's bill of materials as kept: the operator's, or the ERP's default version read since. */
  app.get('/v1/master-data/boms/:plant/:material', reader, async (request, reply) => {
    const { plant, material } = request.params as { plant: string; material: string };
    const bom = (await deps.masterData.lookup(plant, [], material)).bom ?? [];
    if (bom.length === 0) return problem(reply, 404, 'No bill of materials', `no bill of materials for material ${material} in plant ${plant}`);
    return { parentMaterial: material, components: bom.map(({ component, quantityPer, yieldFactor, scrapAllowance }) => ({ component, quantityPer, yieldFactor, scrapAllowance })) };
  });

  app.put('/v1/master-data/boms/:plant/:material', operator('masterData'), async (request, reply) => {
    const { plant, material } = request.params as { plant: string; material: string };
    const plantOk = Reference.safeParse(plant);
    if (!plantOk.success) return problem(reply, 400, 'Invalid request', 'No bill of materials was changed.', fieldProblems(plantOk.error, 'plant'));
    const body = BomBody.safeParse(request.body);
    if (!body.success) return problem(reply, 400, 'Invalid bill of materials', 'No bill of materials was changed.', zodProblems(body.error));
    const components = body.data.components.map((c) => BomComponent.safeParse({ ...c, plant, parentMaterial: material }));
    const invalid = components.flatMap((c, i) => (c.success ? [] : fieldProblems(c.error, '(body)', ['components', i])));
    if (invalid.length > 0) return problem(reply, 400, 'Invalid bill of materials', 'No bill of materials was changed.', invalid);
    await deps.masterData.replaceBom(plant, material, components.map((c) => c.data!));
    return { parentMaterial: material, components: components.length };
  });
}
