import { describe, expect, it } from 'vitest';
import { ReadmeBlockError, runnableBlocks, startCommand } from './readme-blocks.js';

const README = `# Title

\`\`\`sh
npx -y pnpm@10 install && npx -y pnpm@10 start
\`\`\`

\`\`\`sh runnable
curl -s localhost:4002/feed
curl -s localhost:4003/sitemap
\`\`\`

\`\`\`
| read | status |
\`\`\`

- a list item:

  \`\`\`sh runnable
  npx -y pnpm@10 demo:coupling
    indented more
  \`\`\`

\`\`\`ts
const runnable = true;
\`\`\`
`;

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('runnableBlocks', () => {
  it('returns only the blocks fenced as sh runnable, in README order', () => {
    expect(runnableBlocks(README).map((b) => b.script)).toEqual([
      'curl -s localhost:4002/feed\ncurl -s localhost:4003/sitemap\n',
      'npx -y pnpm@10 demo:coupling\n  indented more\n',
    ]);
  });

  const lineOf = (text: string) => README.split('\n').indexOf(text) + 1;
  const firstCommands = [
    lineOf('curl -s localhost:4002/feed'),
    lineOf('  npx -y pnpm@10 demo:coupling'),
  ];

  it("numbers each block by its first command's line", () => {
    expect(firstCommands).toEqual([8, 19]);
    expect(runnableBlocks(README).map((b) => b.line)).toEqual(firstCommands);
  });

  it('counts lines the same in a README with CRLF line endings', () => {
    const crlf = README.replaceAll('\n', '\r\n');
    expect(runnableBlocks(crlf).map((b) => b.line)).toEqual(firstCommands);
  });

  it('accepts the marker with extra spaces and a tilde fence', () => {
    const blocks = runnableBlocks('~~~  sh   runnable \necho hi\n~~~\n');
    expect(blocks).toEqual([{ line: 2, script: 'echo hi\n' }]);
  });

  it('ignores a runnable fence shown inside a longer fence', () => {
    const markdown =
      '````md\n```sh runnable\nrm -rf /\n```\n````\n\n```sh runnable\necho ok\n```\n';
    expect(runnableBlocks(markdown)).toEqual([{ line: 8, script: 'echo ok\n' }]);
  });

  it('ignores inline code that starts with three backticks', () => {
    expect(runnableBlocks('```sh runnable``` is the marker\n\nText.\n')).toEqual([]);
  });

  it('refuses a misspelt marker instead of skipping its block', () => {
    const error = thrown(() => runnableBlocks('text\n\n```bash runnable\necho hi\n```\n'));
    expect(error).toBeInstanceOf(ReadmeBlockError);
    expect(error).toMatchObject({ line: 3, message: expect.stringContaining('"bash runnable"') });
  });

  it('refuses a runnable block that is never closed', () => {
    const error = thrown(() => runnableBlocks('text\n```sh runnable\necho hi\n'));
    expect(error).toMatchObject({ line: 2, message: expect.stringContaining('never closed') });
  });
});

describe('startCommand', () => {
  it('takes the start half of the first install-and-start line', () => {
    expect(startCommand(README)).toEqual({ line: 4, command: 'npx -y pnpm@10 start' });
  });

  it('finds a named start script, ignoring a trailing comment', () => {
    const markdown =
      '```sh\nnpx -y pnpm@10 install && npx -y pnpm@10 start:coupled  # step 0\n```\n';
    expect(startCommand(markdown)?.command).toBe('npx -y pnpm@10 start:coupled');
  });

  it('is undefined when no sh block installs and starts', () => {
    expect(startCommand('```sh\nnpx -y pnpm@10 install && npx -y pnpm@10 test\n```\n')).toBe(
      undefined,
    );
  });
});
