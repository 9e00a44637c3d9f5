/**
 * The master data cache in PostgreSQL: materials (units, conversions, precision,
 * backflush mode), bills of materials and work centre costs, maintained over the starter
 * API (or a master data sync) and read by the workflow's lookup activity.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../database/database';
import { BomComponent, type MasterDataLookup, MaterialMaster, WorkCentreCost } from '../domain/masterData';

export interface MasterDataStore {
  upsertMaterials(materials: readonly MaterialMaster[]): Promise<void>;
  /** Replaces the parent's bill of materials with these components. */
  replaceBom(plant: string, parentMaterial: string, components: readonly BomComponent[]): Promise<void>;
  upsertWorkCentreCosts(costs: readonly WorkCentreCost[]): Promise<void>;
  /** The materials asked for, and with `bomOf` that material's BOM and its components' masters too; the plant's work centre costs always. */
  lookup(plant: string, materials: readonly string[], bomOf?: string): Promise<MasterDataLookup>;
}

interface MaterialRow {
  plant: string;
  material: string;
  erp_material: string | null;
  base_unit: string;
  conversions: Record<string, string>;
  decimals: number | null;
  backflush: string;
}

interface CostRow {
  plant: string;
  work_centre: string;
  activity: string;
  rate_per_hour: string;
  journal: string;
  debit_account: string;
  credit_account: string;
  cost_centre: string | null;
}

interface BomRow {
  plant: string;
  parent_material: string;
  component: string;
  quantity_per: string;
  yield_factor: string;
  scrap_allowance: string;
}

export function createPostgresMasterDataStore(pool: Pool): MasterDataStore {
  return {
    async upsertMaterials(materials) {
      for (const m of materials) {
        await pool.query(
          `INSERT INTO material_master (plant, material, erp_material, base_unit, conversions, decimals, backflush, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now())
           ON CONFLICT (plant, material) DO UPDATE SET erp_material = EXCLUDED.erp_material, base_unit = EXCLUDED.base_unit,
             conversions = EXCLUDED.conversions, decimals = EXCLUDED.decimals, backflush = EXCLUDED.backflush, updated_at = now()`,
          [m.plant, m.material, m.erpMaterial ?? null, m.baseUnit, JSON.stringify(m.conversions), m.decimals ?? null, m.backflush],
        );
      }
    },

    async upsertWorkCentreCosts(costs) {
      for (const c of costs) {
        await pool.query(
          `INSERT INTO work_centre_costs (plant, work_centre, activity, rate_per_hour, journal, debit_account, credit_account, cost_centre, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
           ON CONFLICT (plant, work_centre, activity) DO UPDATE SET rate_per_hour = EXCLUDED.rate_per_hour, journal = EXCLUDED.journal,
             debit_account = EXCLUDED.debit_account, credit_account = EXCLUDED.credit_account, cost_centre = EXCLUDED.cost_centre, updated_at = now()`,
          [c.plant, c.workCentre, c.activity, c.ratePerHour, c.journal, c.debitAccount, c.creditAccount, c.costCentre ?? null],
        );
      }
    },

    async replaceBom(plant, parentMaterial, components) {
      await inTransaction(pool, async (client) => {
        await client.query('DELETE FROM bom_components WHERE plant = $1 AND parent_material = $2', [plant, parentMaterial]);
        for (const c of components) {
          await client.query(
            `INSERT INTO bom_components (plant, parent_material, component, quantity_per, yield_factor, scrap_allowance) VALUES ($1, $2, $3, $4, $5, $6)`,
            [plant, parentMaterial, c.component, c.quantityPer, c.yieldFactor, c.scrapAllowance],
          );
        }
      });
    },

    async lookup(plant, materials, bomOf) {
      let bom: BomComponent[] | undefined;
      if (bomOf !== undefined) {
        const { rows } = await pool.query<BomRow>('SELECT * FROM bom_components WHERE plant = $1 AND parent_material = $2 ORDER BY component', [plant, bomOf]);
        bom = rows.map((r) =>
          BomComponent.parse({ plant: r.plant, parentMaterial: r.parent_material, component: r.component, quantityPer: r.quantity_per, yieldFactor: r.yield_factor, scrapAllowance: r.scrap_allowance }),
        );
      }
      const wanted = [...new Set([...materials, ...(bom ?? []).map((c) => c.component)])];
      const { rows } = await pool.query<MaterialRow>('SELECT * FROM material_master WHERE plant = $1 AND material = ANY($2)', [plant, wanted]);
      const found = new Map(rows.map((r) => [r.material, r]));
      const result: Record<string, MaterialMaster | null> = {};
      for (const material of wanted) {
        const r = found.get(material);
        result[material] = r
          ? MaterialMaster.parse({
              plant: r.plant,
              material: r.material,
              ...(r.erp_material ? { erpMaterial: r.erp_material } : {}),
              baseUnit: r.base_unit,
              conversions: r.conversions,
              ...(r.decimals === null ? {} : { decimals: r.decimals }),
              backflush: r.backflush,
            })
          : null;
      }
      const costRows = await pool.query<CostRow>('SELECT * FROM work_centre_costs WHERE plant = $1 ORDER BY work_centre, activity', [plant]);
      const costs = costRows.rows.map((r) =>
        WorkCentreCost.parse({
          plant: r.plant,
          workCentre: r.work_centre,
          activity: r.activity,
          ratePerHour: r.rate_per_hour,
          journal: r.journal,
          debitAccount: r.debit_account,
          creditAccount: r.credit_account,
          ...(r.cost_centre ? { costCentre: r.cost_centre } : {}),
        }),
      );
      return { materials: result, ...(bom ? { bom } : {}), costs };
    },
  };
}
