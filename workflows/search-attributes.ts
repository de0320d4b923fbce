import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes of a case, registered on every Temporal server Jiesu uses. They hold no
 * personal data: operators filter on them in the Temporal UI (see README, "Finding cases").
 */
export const caseSearchAttributes = {
  status: defineSearchAttributeKey('JiesuStatus', SearchAttributeType.KEYWORD),
  level: defineSearchAttributeKey('JiesuLevel', SearchAttributeType.KEYWORD),
  unit: defineSearchAttributeKey('JiesuUnit', SearchAttributeType.KEYWORD),
  category: defineSearchAttributeKey('JiesuCategory', SearchAttributeType.KEYWORD),
  urgency: defineSearchAttributeKey('JiesuUrgency', SearchAttributeType.KEYWORD),
  step: defineSearchAttributeKey('JiesuStep', SearchAttributeType.KEYWORD),
  deadline: defineSearchAttributeKey('JiesuDeadline', SearchAttributeType.DATETIME),
  overdue: defineSearchAttributeKey('JiesuOverdue', SearchAttributeType.BOOL),
  overdueAtTop: defineSearchAttributeKey('JiesuOverdueAtTop', SearchAttributeType.BOOL),
  escalations: defineSearchAttributeKey('JiesuEscalations', SearchAttributeType.INT),
  /** The highest whistle tier departments were summoned with (cases started since the street hub). */
  whistleTier: defineSearchAttributeKey('JiesuWhistleTier', SearchAttributeType.KEYWORD),
} as const;

/** Every custom search attribute Jiesu registers, for server setup. */
export const allSearchAttributeKeys = Object.values(caseSearchAttributes);
