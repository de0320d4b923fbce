/** What the API answers, typed from the server's own schemas (type-only: nothing of the server is bundled). */
import type { Static } from 'typebox';
import type { CaseViewSchema, TimelineEntrySchema } from '../../../api/schemas.js';

export type CaseView = Static<typeof CaseViewSchema>;
export type TimelineEntry = Static<typeof TimelineEntrySchema>;

/** A row of a case list (GET /v1/complaints). */
export interface CaseSummary {
  caseNo: string;
  status: string;
  level: string | null;
  unitId: string | null;
  step: string | null;
  category: string;
  urgency: string;
  title: string;
  deadline: string | null;
  warning: boolean;
  overdue: boolean;
  overdueAtTop: boolean;
  escalations: number;
  receivedAt: string;
  closedAt: string | null;
  links: { self: string; timeline: string; temporalUi: string };
}

export interface CaseList {
  items: CaseSummary[];
  nextCursor: string | null;
}

export interface Unit {
  id: string;
  name: string;
  level: string;
  kind: string;
  parentId: string | null;
  active: boolean;
}

/** An action of the catalogue, as GET /app/api/actions describes it. */
export interface ActionDescription {
  type: string;
  path: string;
  summary: string;
  description: string;
  roles: string[];
  input: JsonSchema;
  unitFields: Array<{ field: string; many: boolean }>;
}

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: Array<string | number>;
  anyOf?: JsonSchema[];
  const?: string | number;
  items?: JsonSchema;
  maxLength?: number;
  minLength?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  description?: string;
}
