/** The citizen's rating of a reply. */
export const RATINGS = ['satisfied', 'basically-satisfied', 'unsatisfied'] as const;
export type Rating = (typeof RATINGS)[number];

/** The ratings that count as satisfied in every figure (satisfaction rate, scores). */
export const SATISFIED_RATINGS: readonly Rating[] = ['satisfied', 'basically-satisfied'];

export const isSatisfied = (rating: string | null): boolean => rating !== null && (SATISFIED_RATINGS as readonly string[]).includes(rating);
