import type {
  DraftArticle,
  PublishArticle,
  RegisterAuthor,
  RenameAuthor,
  RetractArticle,
  ReviseArticle,
} from '@fairflax/publishing-api';
import { seededRandom, subSeed } from './random.js';

export const CATEGORIES = ['business', 'politics', 'lifestyle', 'environment'] as const;

export type PlannedCall =
  | { type: 'registerAuthor'; request: RegisterAuthor }
  | { type: 'renameAuthor'; request: RenameAuthor }
  | { type: 'draftArticle'; request: DraftArticle }
  | { type: 'reviseArticle'; request: ReviseArticle }
  | { type: 'publishArticle'; request: PublishArticle }
  | { type: 'retractArticle'; request: RetractArticle };

/**
 * One aggregate's commands run in plan order; an author is not renamed while one of their drafts
 * is decided, which would give the draft a stale name that read models fold order-dependently.
 */
export interface Lock {
  key: string;
  shared: boolean;
}

export type PlannedCommand = PlannedCall & { index: number; commandId: string; locks: Lock[] };

interface PlannedArticle {
  id: string;
  status: 'DRAFT' | 'PUBLISHED' | 'RETRACTED';
  category: string;
  title: string;
  revisions: number;
}

const FIRST = [
  'Nadia',
  'Tom',
  'Aroha',
  'Priya',
  'Liam',
  'Mei',
  'Kofi',
  'Sara',
  'Jonas',
  'Ana',
  'Ravi',
  'Ines',
];
const LAST = [
  'Rahman',
  'Walker',
  'Ngata',
  'Shah',
  'Byrne',
  'Chen',
  'Mensah',
  'Lind',
  'Weber',
  'Costa',
  'Iyer',
  'Moreau',
];
const SUBJECTS = [
  'Rates',
  'Council',
  'Harbour',
  'Rail',
  'Drought',
  'Housing',
  'Budget',
  'Election',
  'Reef',
  'Market',
];
const TURNS = [
  'rise again',
  'under review',
  'split opinion',
  'set for change',
  'draw crowds',
  'face delays',
];

const INITIAL_AUTHORS = 6;
const MAX_AUTHORS = 40;

/**
 * The same for the same seed. Every command is valid when its turn comes, so a refusal is a
 * finding; deterministic command ids let the store recognise a retry after a crash.
 */
export function planCommands(seed: number, count: number): PlannedCommand[] {
  const random = seededRandom(subSeed(seed, 1));
  const plan: PlannedCommand[] = [];
  const authors: { id: string; name: string }[] = [];
  const articles = new Map<string, PlannedArticle>();
  // Candidates by status; removal swaps with the last element, so picking stays O(1).
  const drafts: string[] = [];
  const published: string[] = [];
  const remove = (list: string[], id: string) => {
    const i = list.indexOf(id);
    list[i] = list.at(-1)!;
    list.pop();
  };
  const add = (call: PlannedCall, locks: Lock[]) => {
    const index = plan.length;
    plan.push({ ...call, index, commandId: `crash-${seed}-${index}`, locks });
  };
  const authorLock = (id: string, shared: boolean): Lock => ({ key: `author:${id}`, shared });
  const articleLock = (id: string): Lock => ({ key: `article:${id}`, shared: false });
  const newName = (current = '') => {
    const name = `${random.pick(FIRST)} ${random.pick(LAST)}`;
    return name === current ? `${name} Jr` : name;
  };
  const register = () => {
    const author = { id: `s${seed}-author-${authors.length + 1}`, name: newName() };
    authors.push(author);
    add({ type: 'registerAuthor', request: { authorId: author.id, name: author.name } }, [
      authorLock(author.id, false),
    ]);
  };

  for (let i = 0; i < Math.min(INITIAL_AUTHORS, count); i++) register();
  while (plan.length < count) {
    const action = random.weighted({
      draft: 26,
      revise: drafts.length + published.length > 0 ? 24 : 0,
      publish: drafts.length > 0 ? 24 : 0,
      retract: published.length > 0 ? 6 : 0,
      rename: 7,
      register: authors.length < MAX_AUTHORS ? 3 : 0,
    });
    switch (action) {
      case 'draft': {
        const author = random.pick(authors);
        const article: PlannedArticle = {
          id: `s${seed}-article-${articles.size + 1}`,
          status: 'DRAFT',
          category: random.pick(CATEGORIES),
          title: `${random.pick(SUBJECTS)} ${random.pick(TURNS)} (${articles.size + 1})`,
          revisions: 0,
        };
        articles.set(article.id, article);
        drafts.push(article.id);
        const { id: articleId, title, category } = article;
        const request = {
          articleId,
          title,
          body: `What happened, part ${articles.size}.`,
          category,
          authorId: author.id,
        };
        add({ type: 'draftArticle', request }, [
          articleLock(articleId),
          authorLock(author.id, true),
        ]);
        break;
      }
      case 'revise': {
        const pool = random.int(drafts.length + published.length);
        const id = pool < drafts.length ? drafts[pool]! : published[pool - drafts.length]!;
        const article = articles.get(id)!;
        article.revisions++;
        const request: ReviseArticle = { articleId: id };
        // At least one field really changes, so every revision stores an event.
        if (random.chance(0.5))
          request.title =
            article.title = `${article.title.replace(/ · rev \d+$/, '')} · rev ${article.revisions}`;
        if (random.chance(0.3)) {
          request.category = article.category = random.pick(
            CATEGORIES.filter((c) => c !== article.category),
          );
        }
        if (request.title === undefined || random.chance(0.4))
          request.body = `What happened, revision ${article.revisions}.`;
        add({ type: 'reviseArticle', request }, [articleLock(id)]);
        break;
      }
      case 'publish': {
        const id = random.pick(drafts);
        remove(drafts, id);
        published.push(id);
        articles.get(id)!.status = 'PUBLISHED';
        add({ type: 'publishArticle', request: { articleId: id } }, [articleLock(id)]);
        break;
      }
      case 'retract': {
        const id = random.pick(published);
        remove(published, id);
        articles.get(id)!.status = 'RETRACTED';
        add(
          {
            type: 'retractArticle',
            request: { articleId: id, reason: 'Corrected after publication.' },
          },
          [articleLock(id)],
        );
        break;
      }
      case 'rename': {
        const author = random.pick(authors);
        author.name = newName(author.name);
        add({ type: 'renameAuthor', request: { authorId: author.id, name: author.name } }, [
          authorLock(author.id, false),
        ]);
        break;
      }
      case 'register':
        register();
        break;
      default: {
        const unknown: never = action;
        throw new Error(`unknown action ${String(unknown)}`);
      }
    }
  }
  return plan;
}
