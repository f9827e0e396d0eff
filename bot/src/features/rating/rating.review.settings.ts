import { z } from 'zod';
import { defineSetting } from '../settings';

const weight = z.number().min(0).max(100);

/**
 * How the monthly evaluation sheet combines its parts into one score (0–100): the average stars received,
 * the share of owed ratings the person gave, and tickets handled relative to the busiest person that month.
 * Only the ratio between weights matters; a part a person has no figure for is left out and the other
 * weights are scaled up, so nobody is marked down for, say, having owed no ratings.
 */
export const sheetWeightsSetting = defineSetting({
  key: 'rating.sheetWeights',
  description: 'Weights of the monthly evaluation sheet score: average stars, response rate, tickets handled',
  schema: z
    .object({ stars: weight, responseRate: weight, ticketsHandled: weight })
    .refine(
      (value) => value.stars + value.responseRate + value.ticketsHandled > 0,
      'some weight must be > 0',
    ),
  defaultValue: { stars: 0.5, responseRate: 0.2, ticketsHandled: 0.3 },
});
