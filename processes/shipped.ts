import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileBpmn } from '../domain/process/bpmn.js';
import type { ProcessDefinition } from '../domain/process/definition.js';
import { projectRoot } from '../infra/config.js';

/** The default process Jiesu ships: the lifecycle of DESIGN.md §3 as a BPMN model. */
export const SHIPPED_PROCESS_FILE = path.join(projectRoot, 'processes', 'complaint-escalation.bpmn');

export async function shippedProcessXml(): Promise<string> {
  return readFile(SHIPPED_PROCESS_FILE, 'utf8');
}

/** The shipped model, compiled; a model that does not compile is a build error, reported in full. */
export async function shippedProcess(version = 1): Promise<ProcessDefinition> {
  const { definition, issues } = await compileBpmn(await shippedProcessXml(), version);
  if (!definition) throw new Error(`${SHIPPED_PROCESS_FILE} does not compile:\n${issues.map((i) => `  ${i.elementId}: ${i.message}`).join('\n')}`);
  return definition;
}
