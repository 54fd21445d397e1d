/** The sample newsroom: four authors and two dozen articles across four categories. */

export interface SeedAuthor {
  id: string;
  name: string;
}

export interface SeedArticle {
  id: string;
  category: string;
  authorId: string;
  title: string;
  body: string;
  status: 'DRAFT' | 'PUBLISHED' | 'RETRACTED';
}

export interface DatedSeedArticle extends SeedArticle {
  /** ISO 8601, before the time of seeding. */
  created: string;
}

export const SEED_AUTHORS: readonly SeedAuthor[] = [
  { id: 'amara-okafor', name: 'Amara Okafor' },
  { id: 'lukas-brenner', name: 'Lukas Brenner' },
  { id: 'sofia-marquez', name: 'Sofía Márquez' },
  { id: 'hiro-tanaka', name: 'Hiro Tanaka' },
];

type SeedRow = [category: string, authorIndex: number, title: string, body: string];

const rows: SeedRow[] = [
  [
    'business',
    0,
    'Central bank holds rates as inflation cools',
    'Policymakers kept the benchmark rate unchanged for a third meeting, citing slower price growth and a softer labour market.',
  ],
  [
    'business',
    1,
    'Port strike ends after 11 days',
    'Dock workers accepted a four-year deal; shipping firms expect backlogs to clear within a month.',
  ],
  [
    'business',
    2,
    'Start-ups turn to revenue-based financing',
    'Founders priced out of venture rounds are borrowing against future sales instead.',
  ],
  [
    'business',
    3,
    'Chipmaker opens second plant in the north',
    'The factory will employ 1,200 people once it reaches full output in 2028.',
  ],
  [
    'business',
    0,
    'Retail sales beat forecasts in the holiday quarter',
    'Online orders rose 9% while high-street footfall was flat.',
  ],
  [
    'business',
    1,
    'Airline fuel costs fall for the first time in two years',
    'Cheaper jet fuel helped carriers offset weaker demand on long-haul routes.',
  ],
  [
    'politics',
    1,
    'Parliament passes housing bill after late-night vote',
    'The bill fast-tracks planning approval for brownfield sites and sets new rental standards.',
  ],
  [
    'politics',
    2,
    'Coalition talks stall over budget rules',
    'Negotiators disagree on whether to loosen the debt brake for climate investment.',
  ],
  [
    'politics',
    3,
    'Local elections: turnout rises in every region',
    'Postal voting accounted for almost a third of ballots cast.',
  ],
  [
    'politics',
    0,
    'Minister unveils plan for digital identity cards',
    'Privacy groups called for independent oversight before any roll-out.',
  ],
  [
    'politics',
    1,
    'Senate committee questions regulator over bank failures',
    'Members asked why warnings raised in 2024 were not acted upon.',
  ],
  [
    'politics',
    2,
    'City council approves congestion charge trial',
    'The six-month trial starts in spring and covers the inner ring road.',
  ],
  [
    'lifestyle',
    2,
    'The quiet return of the neighbourhood bakery',
    'Sourdough, long queues and a generation of bakers who left office jobs.',
  ],
  [
    'lifestyle',
    3,
    'Ten walks within an hour of the city',
    'From chalk downs to estuary paths: routes for every fitness level.',
  ],
  [
    'lifestyle',
    0,
    'Why everyone is learning to mend their clothes',
    'Repair cafés report waiting lists as buyers turn away from fast fashion.',
  ],
  [
    'lifestyle',
    1,
    'A weekend in Lisbon on a budget',
    'Trams, tiles and custard tarts without breaking the bank.',
  ],
  [
    'lifestyle',
    3,
    'Café culture: the rise of the "third place"',
    'Coffee shops are becoming offices, libraries and living rooms at once.',
  ],
  [
    'environment',
    3,
    'River cleanup brings salmon back upstream',
    'Anglers counted the first returning fish in four decades.',
  ],
  [
    'environment',
    0,
    'Offshore wind farm reaches full capacity',
    'The 1.4 GW project now powers an estimated one million homes.',
  ],
  [
    'environment',
    1,
    'Heatwave tests the grid as demand peaks',
    'Operators asked factories to shift load to the evening.',
  ],
  [
    'environment',
    2,
    'Cities plant "mini forests" to cool streets',
    'Dense native planting on small plots grows ten times faster than conventional parks.',
  ],
  [
    'environment',
    3,
    'Drought prompts hosepipe ban in the south',
    'Reservoir levels are at their lowest since records began in 1976.',
  ],
  ['business', 2, 'Draft: quarterly outlook for energy stocks', 'Work in progress.'],
  [
    'politics',
    0,
    'Retracted: poll shows landslide',
    'This article was retracted after the poll was found to be unweighted.',
  ],
];

const SPACING_MS = 6 * 3_600_000;

export const SEED_ARTICLES: readonly SeedArticle[] = rows.map(
  ([category, authorIndex, title, body], i) => ({
    id: `seed-${String(i + 1).padStart(4, '0')}`,
    category,
    authorId: SEED_AUTHORS[authorIndex]!.id,
    title,
    body,
    status: title.startsWith('Draft:')
      ? 'DRAFT'
      : title.startsWith('Retracted:')
        ? 'RETRACTED'
        : 'PUBLISHED',
  }),
);

/**
 * The sample articles, oldest first, dated back from `seededAt`: one every six hours, the newest
 * six hours before it. A newsroom seeded now is current (its newest articles are inside a news
 * sitemap's two days); the same `seededAt` always gives the same dates.
 */
export function datedSeedArticles(seededAt: Date): DatedSeedArticle[] {
  return SEED_ARTICLES.map((article, i) => ({
    ...article,
    created: new Date(seededAt.getTime() - (SEED_ARTICLES.length - i) * SPACING_MS).toISOString(),
  }));
}
