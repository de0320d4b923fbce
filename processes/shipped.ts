import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileBpmn } from '../domain/process/bpmn.js';
import type { ProcessDefinition } from '../domain/process/definition.js';
import { projectRoot } from '../infra/config.js';

/** A BPMN model Jiesu ships, deployed by `npm run db:migrate` as this version of its process key. */
export interface ShippedModel {
  file: string;
  version: number;
}

/**
 * The default process: the lifecycle of DESIGN.md §3. Version 2 (the street hub) lets a unit dispute its duty
 * at once and names the whistle tiers; version 3 names the case types (a consultation answered at intake closes
 * there, a report is confidential) and skips the evaluation of cases without a citizen to ask. Earlier versions
 * stay in the database for the cases pinned to them.
 */
export const DEFAULT_MODEL: ShippedModel = { file: path.join(projectRoot, 'processes', 'complaint-escalation.bpmn'), version: 3 };
/** Street-first sorting: every case lands at the street's coordination centre (a process rule chooses it); version 2 adds the case types as in the default. */
export const STREET_FIRST_MODEL: ShippedModel = { file: path.join(projectRoot, 'processes', 'street-first.bpmn'), version: 2 };
export const SHIPPED_MODELS: readonly ShippedModel[] = [DEFAULT_MODEL, STREET_FIRST_MODEL];

export async function shippedProcessXml(model: ShippedModel = DEFAULT_MODEL): Promise<string> {
  return readFile(model.file, 'utf8');
}

/** A shipped model, compiled; a model that does not compile is a build error, reported in full. */
export async function shippedProcess(model: ShippedModel = DEFAULT_MODEL): Promise<ProcessDefinition> {
  const { definition, issues } = await compileBpmn(await shippedProcessXml(model), model.version);
  if (!definition) throw new Error(`${model.file} does not compile:\n${issues.map((i) => `  ${i.elementId}: ${i.message}`).join('\n')}`);
  return definition;
}

/** Every shipped model, compiled, by its process key (`complaint`, `street-first`). */
export async function shippedProcessesByKey(): Promise<Map<string, ProcessDefinition>> {
  const definitions = await Promise.all(SHIPPED_MODELS.map((model) => shippedProcess(model)));
  return new Map(definitions.map((d) => [d.key, d]));
}
