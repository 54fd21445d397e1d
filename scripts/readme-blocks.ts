/** The info string of a README block that `pnpm readme:check` runs against the started system. */
export const RUNNABLE_INFO = 'sh runnable';

export interface RunnableBlock {
  /** 1-based line of the block's first command (the line after its opening fence). */
  line: number;
  /** The block's lines, less the fence's indentation, each ending with a newline. */
  script: string;
}

export interface StartCommand {
  line: number;
  /** What the checker runs: the part after `install &&`. */
  command: string;
}

/** A README marker that is almost `sh runnable`, or a runnable block that never closes. */
export class ReadmeBlockError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

interface Fence {
  line: number;
  indent: number;
  marker: string;
  info: string;
  lines: string[];
}

const OPENING = /^( *)(`{3,}|~{3,})(.*)$/;

/** Fenced code blocks as CommonMark reads them: a closing fence is as long as its opening one. */
function fences(markdown: string): Fence[] {
  const found: Fence[] = [];
  let open: Fence | undefined;
  markdown.split(/\r?\n/).forEach((text, index) => {
    if (open === undefined) {
      const match = OPENING.exec(text);
      // A backtick fence's info string cannot hold a backtick: that is inline code.
      const [, spaces = '', marker = '', info = ''] = match ?? [];
      if (match && !(marker.startsWith('`') && info.includes('`'))) {
        open = { line: index + 1, indent: spaces.length, marker, info: info.trim(), lines: [] };
      }
      return;
    }
    const trimmed = text.trim();
    if (
      trimmed.length >= open.marker.length &&
      trimmed === open.marker[0]!.repeat(trimmed.length)
    ) {
      found.push(open);
      open = undefined;
      return;
    }
    const spaces = /^ */.exec(text)![0].length;
    open.lines.push(text.slice(Math.min(spaces, open.indent)));
  });
  if (open !== undefined && isRunnable(open.info)) {
    throw new ReadmeBlockError(open.line, `the ${RUNNABLE_INFO} block is never closed`);
  }
  return found;
}

function isRunnable(info: string): boolean {
  return info.split(/\s+/).join(' ') === RUNNABLE_INFO;
}

/**
 * The blocks fenced as `sh runnable`, in README order. A marker that mentions "runnable" in any
 * other way is refused rather than skipped, so that a typo cannot quietly leave a block unchecked.
 */
export function runnableBlocks(markdown: string): RunnableBlock[] {
  const blocks: RunnableBlock[] = [];
  for (const fence of fences(markdown)) {
    if (isRunnable(fence.info)) {
      blocks.push({ line: fence.line + 1, script: fence.lines.map((l) => `${l}\n`).join('') });
    } else if (/\brunnable\b/.test(fence.info)) {
      throw new ReadmeBlockError(
        fence.line,
        `unknown marker "${fence.info}": a block the checker runs is fenced as ${RUNNABLE_INFO}`,
      );
    }
  }
  return blocks;
}

const START = /^npx -y pnpm@10 install && (npx -y pnpm@10 start(?::[\w-]+)?)\s*(?:#.*)?$/;

/**
 * The README's own start command: the first `sh` block line that installs and then starts, as
 * "Run it" says (`npx -y pnpm@10 install && npx -y pnpm@10 start`).
 */
export function startCommand(markdown: string): StartCommand | undefined {
  for (const fence of fences(markdown)) {
    if (fence.info.split(/\s+/)[0] !== 'sh') continue;
    for (const [i, text] of fence.lines.entries()) {
      const match = START.exec(text.trim());
      if (match) return { line: fence.line + 1 + i, command: match[1]! };
    }
  }
  return undefined;
}
