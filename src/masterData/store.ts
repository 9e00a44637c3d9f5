/**
 * The master data cache in PostgreSQL: materials (units, conversions, precision,
 * backflush mode), bills of materials and work centre costs, maintained over the starter
 * API and by the ERP's master data read (items, work centres), and read by the workflow's
 * lookup activity.
 */
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../database/database';
import type { ErpSystem } from '../domain/erpSystem';
import { keyed } from '../domain/keyed';
import { BomComponent, type MasterDataLookup, MaterialMaster, WorkCentreCost, bomFromErpLines } from '../domain/masterData';
import type { ErpBomLine, ErpBomVersion, ErpItem, ErpWorkCentre, FullRead } from '../domain/planning';

export interface MasterDataStore {
  upsertMaterials(materials: readonly MaterialMaster[]): Promise<void>;
  /** Replaces the parent's bill of materials with these components. */
  replaceBom(plant: string, parentMaterial: string, components: readonly BomComponent[]): Promise<void>;
  upsertWorkCentreCosts(costs: readonly WorkCentreCost[]): Promise<void>;
  /**
   * Items as the ERP keeps them: their unit and precision (whole units where the ERP takes no
   * fractions) for the materials they are, or a new material master for a stock item. The
   * operator's conversions stay while the unit does, and the backflush mode always. Returns
   * the floor's materials it changed or made.
   */
  applyErpItems(plant: string, erpSystem: ErpSystem, items: readonly ErpItem[]): Promise<string[]>;
  /**
   * Bills of materials as the ERP keeps them, kept as read. Every default version these
   * versions, lines or items touch becomes the BOM of the material its item is (mapped by
   * erpMaterial, or the same code), replacing the one kept. A full read that read every
   * line removes the lines it did not read. Returns the materials whose BOM was replaced, and
   * how many lines were removed.
   */
  applyErpBoms(
    plant: string,
    erpSystem: ErpSystem,
    read: { versions: readonly ErpBomVersion[]; lines: readonly ErpBomLine[]; items: readonly ErpItem[]; fullRead?: FullRead | undefined },
  ): Promise<{ replaced: string[]; linesRemoved: number }>;
  /** Work centres as the ERP keeps them; a full read that read them all removes those it did not read, and says how many. */
  upsertErpWorkCentres(plant: string, erpSystem: ErpSystem, workCentres: readonly ErpWorkCentre[], fullRead?: FullRead): Promise<number>;
  erpWorkCentres(plant: string): Promise<(ErpWorkCentre & { plant: string; erpSystem: string; syncedAt: string })[]>;
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
  batch_managed: boolean | null;
  standard_cost: string | null;
  standard_material_cost: string | null;
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

interface ErpWorkCentreRow {
  plant: string;
  work_centre: string;
  erp_system: string;
  erp_id: string;
  description: string | null;
  cost_centre: string | null;
  setup_labour_rate: string | null;
  run_labour_rate: string | null;
  machine_burden_rate: string | null;
  general_burden_rate: string | null;
  synced_at: Date;
}

interface BomRow {
  plant: string;
  parent_material: string;
  component: string;
  quantity_per: string;
  yield_factor: string;
  scrap_allowance: string;
}

async function writeBom(client: PoolClient, plant: string, parentMaterial: string, components: readonly BomComponent[]): Promise<void> {
  await client.query('DELETE FROM bom_components WHERE plant = $1 AND parent_material = $2', [plant, parentMaterial]);
  for (const c of components) {
    await client.query(
      `INSERT INTO bom_components (plant, parent_material, component, quantity_per, yield_factor, scrap_allowance) VALUES ($1, $2, $3, $4, $5, $6)`,
      [plant, parentMaterial, c.component, c.quantityPer, c.yieldFactor, c.scrapAllowance],
    );
  }
}

/** The floor's material for each ERP item code: the one mapped to it by erp_material, else the one of the same code, else the code itself. */
async function floorMaterials(client: PoolClient, plant: string, codes: readonly string[]): Promise<(code: string) => string> {
  const { rows } = await client.query<{ material: string; erp_material: string }>('SELECT material, erp_material FROM material_master WHERE plant = $1 AND erp_material = ANY($2)', [plant, codes]);
  const mapped = new Map(rows.map((r) => [r.erp_material, r.material]));
  return (code) => mapped.get(code) ?? code;
}

export function createPostgresMasterDataStore(pool: Pool): MasterDataStore {
  return {
    async upsertMaterials(materials) {
      for (const m of materials) {
        await pool.query(
          `INSERT INTO material_master (plant, material, erp_material, base_unit, conversions, decimals, backflush, batch_managed, standard_cost, standard_material_cost, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
           ON CONFLICT (plant, material) DO UPDATE SET erp_material = EXCLUDED.erp_material, base_unit = EXCLUDED.base_unit,
             conversions = EXCLUDED.conversions, decimals = EXCLUDED.decimals, backflush = EXCLUDED.backflush,
             batch_managed = COALESCE(EXCLUDED.batch_managed, material_master.batch_managed),
             standard_cost = EXCLUDED.standard_cost, standard_material_cost = EXCLUDED.standard_material_cost, updated_at = now()`,
          [m.plant, m.material, m.erpMaterial ?? null, m.baseUnit, JSON.stringify(m.conversions), m.decimals ?? null, m.backflush, m.batchManaged ?? null, m.standardCost ?? null, m.standardMaterialCost ?? null],
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

    async applyErpItems(plant, erpSystem, items) {
      // Every item's id and code: bills of materials name their item by id.
      for (const item of items) {
        await pool.query(
          `INSERT INTO erp_items (plant, erp_system, erp_id, code, synced_at) VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (plant, erp_system, erp_id) DO UPDATE SET code = EXCLUDED.code, synced_at = now()`,
          [plant, erpSystem, item.erpId, item.code],
        );
      }
      const changed: string[] = [];
      // An item without a unit (an ERP may allow it on non-stock items) says nothing a posting could be converted to.
      for (const item of items.filter((i) => i.unit !== '')) {
        // The material the item is: mapped to it by erp_material, or of the same code.
        const updated = await pool.query(
          `UPDATE material_master SET
             conversions = CASE WHEN base_unit = $3 THEN conversions ELSE '{}'::jsonb END,
             base_unit = $3,
             decimals = CASE WHEN $4 THEN decimals ELSE 0 END,
             batch_managed = $5,
             erp_synced_at = now(), updated_at = now()
           WHERE plant = $1 AND (erp_material = $2 OR (erp_material IS NULL AND material = $2)) RETURNING material`,
          [plant, item.code, item.unit, item.fractionAllowed, item.batch || item.serial],
        );
        changed.push(...updated.rows.map((r: { material: string }) => r.material));
        if (updated.rowCount === 0 && item.stock) {
          const made = await pool.query<{ material: string }>(
            `INSERT INTO material_master (plant, material, base_unit, decimals, batch_managed, erp_synced_at) VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (plant, material) DO NOTHING RETURNING material`,
            [plant, item.code, item.unit, item.fractionAllowed ? null : 0, item.batch || item.serial],
          );
          changed.push(...made.rows.map((r) => r.material));
        }
      }
      return changed;
    },

    async applyErpBoms(plant, erpSystem, { versions, lines, items, fullRead }) {
      return inTransaction(pool, async (client) => {
        for (const v of versions) {
          await client.query(
            `INSERT INTO erp_bom_versions (plant, erp_system, erp_id, item_erp_id, is_default, synced_at) VALUES ($1, $2, $3, $4, $5, now())
             ON CONFLICT (plant, erp_system, erp_id) DO UPDATE SET item_erp_id = EXCLUDED.item_erp_id, is_default = EXCLUDED.is_default, synced_at = now()`,
            [plant, erpSystem, v.erpId, v.itemErpId, v.isDefault],
          );
        }
        for (const l of lines) {
          await client.query(
            `INSERT INTO erp_bom_lines (plant, erp_system, erp_id, version_erp_id, part_code, quantity_per, scrap_allowance, by_product, full_read, synced_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
             ON CONFLICT (plant, erp_system, erp_id) DO UPDATE SET version_erp_id = EXCLUDED.version_erp_id, part_code = EXCLUDED.part_code,
               quantity_per = EXCLUDED.quantity_per, scrap_allowance = EXCLUDED.scrap_allowance, by_product = EXCLUDED.by_product,
               full_read = COALESCE(EXCLUDED.full_read, erp_bom_lines.full_read), synced_at = now()`,
            [plant, erpSystem, l.erpId, l.versionErpId, l.partCode, l.quantityPer, l.scrapAllowance, l.byProduct, fullRead?.id ?? null],
          );
        }
        // Lines a full read did not meet are gone from the ERP: their versions' BOMs are written again without them.
        const removed = fullRead?.complete.includes('bomLines')
          ? await client.query<{ version_erp_id: string }>('DELETE FROM erp_bom_lines WHERE plant = $1 AND erp_system = $2 AND full_read IS DISTINCT FROM $3 RETURNING version_erp_id', [plant, erpSystem, fullRead.id])
          : { rows: [] };
        // The default versions touched, with their item's code (a version whose item is not read yet waits for it).
        const touched = await client.query<{ erp_id: string; code: string }>(
          `SELECT v.erp_id, i.code FROM erp_bom_versions v
             JOIN erp_items i ON i.plant = v.plant AND i.erp_system = v.erp_system AND i.erp_id = v.item_erp_id
           WHERE v.plant = $1 AND v.erp_system = $2 AND v.is_default AND (v.erp_id = ANY($3) OR v.item_erp_id = ANY($4))`,
          [plant, erpSystem, [...versions.map((v) => v.erpId), ...lines.map((l) => l.versionErpId), ...removed.rows.map((r) => r.version_erp_id)], items.map((i) => i.erpId)],
        );
        const replaced: string[] = [];
        for (const version of touched.rows) {
          const bomLines = await client.query<{ part_code: string; quantity_per: string; scrap_allowance: string }>(
            'SELECT part_code, quantity_per, scrap_allowance FROM erp_bom_lines WHERE plant = $1 AND erp_system = $2 AND version_erp_id = $3 AND NOT by_product ORDER BY erp_id',
            [plant, erpSystem, version.erp_id],
          );
          const materialOf = await floorMaterials(client, plant, [version.code, ...bomLines.rows.map((l) => l.part_code)]);
          const parent = materialOf(version.code);
          const components = bomFromErpLines(plant, parent, bomLines.rows.map((l) => ({ material: materialOf(l.part_code), quantityPer: l.quantity_per, scrapAllowance: l.scrap_allowance })));
          await writeBom(client, plant, parent, components);
          replaced.push(parent);
        }
        return { replaced, linesRemoved: removed.rows.length };
      });
    },

    async upsertErpWorkCentres(plant, erpSystem, workCentres, fullRead) {
      return inTransaction(pool, async (client) => {
        for (const w of workCentres) {
          await client.query(
            `INSERT INTO erp_work_centres (plant, work_centre, erp_system, erp_id, description, cost_centre, setup_labour_rate, run_labour_rate, machine_burden_rate, general_burden_rate, full_read, synced_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
             ON CONFLICT (plant, work_centre) DO UPDATE SET erp_system = EXCLUDED.erp_system, erp_id = EXCLUDED.erp_id, description = EXCLUDED.description,
               cost_centre = EXCLUDED.cost_centre, setup_labour_rate = EXCLUDED.setup_labour_rate, run_labour_rate = EXCLUDED.run_labour_rate,
               machine_burden_rate = EXCLUDED.machine_burden_rate, general_burden_rate = EXCLUDED.general_burden_rate,
               full_read = COALESCE(EXCLUDED.full_read, erp_work_centres.full_read), synced_at = now()`,
            [plant, w.code, erpSystem, w.erpId, w.description ?? null, w.costCentre ?? null, w.setupLabourRate ?? null, w.runLabourRate ?? null, w.machineBurdenRate ?? null, w.generalBurdenRate ?? null, fullRead?.id ?? null],
          );
        }
        if (!fullRead?.complete.includes('workCentres')) return 0;
        const removed = await client.query('DELETE FROM erp_work_centres WHERE plant = $1 AND erp_system = $2 AND full_read IS DISTINCT FROM $3', [plant, erpSystem, fullRead.id]);
        return removed.rowCount ?? 0;
      });
    },

    async erpWorkCentres(plant) {
      const { rows } = await pool.query<ErpWorkCentreRow>('SELECT * FROM erp_work_centres WHERE plant = $1 ORDER BY work_centre', [plant]);
      return rows.map((r) => {
        const optional = {
          description: r.description,
          costCentre: r.cost_centre,
          setupLabourRate: r.setup_labour_rate,
          runLabourRate: r.run_labour_rate,
          machineBurdenRate: r.machine_burden_rate,
          generalBurdenRate: r.general_burden_rate,
        };
        return {
          plant: r.plant,
          code: r.work_centre,
          erpSystem: r.erp_system,
          erpId: r.erp_id,
          ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== null)),
          syncedAt: r.synced_at.toISOString(),
        };
      });
    },

    async replaceBom(plant, parentMaterial, components) {
      await inTransaction(pool, (client) => writeBom(client, plant, parentMaterial, components));
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
      const result = keyed<MaterialMaster | null>([]);
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
              ...(r.batch_managed === null ? {} : { batchManaged: r.batch_managed }),
              ...(r.standard_cost === null ? {} : { standardCost: r.standard_cost }),
              ...(r.standard_material_cost === null ? {} : { standardMaterialCost: r.standard_material_cost }),
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
