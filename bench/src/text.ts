/** mulberry32: a tiny seeded PRNG, so every run generates the same newsroom. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  'ka',
  'ro',
  'mi',
  'ten',
  'lu',
  'sa',
  'vor',
  'el',
  'ix',
  'an',
  'dre',
  'po',
  'gu',
  'ne',
  'fa',
  'li',
  'ost',
  'ber',
  'cha',
  'un',
  'mar',
  'tis',
  'que',
  'do',
  'ral',
  'sen',
  'bo',
  'ye',
  'win',
  'ter',
];

/** Zipf-like made-up words, so a search index sees common and rare terms as in real copy. */
export class TextSource {
  private readonly vocabulary: string[];

  constructor(
    private readonly random: () => number,
    size = 4_000,
  ) {
    const words = new Set<string>();
    const build = seededRandom(size);
    while (words.size < size) {
      let word = '';
      const syllables = 2 + Math.floor(build() * 3);
      for (let i = 0; i < syllables; i++)
        word += SYLLABLES[Math.floor(build() * SYLLABLES.length)]!;
      words.add(word);
    }
    this.vocabulary = [...words];
  }

  word(): string {
    const r = this.random();
    return this.vocabulary[Math.floor(r * r * r * this.vocabulary.length)]!;
  }

  text(chars: number): string {
    let out = this.word();
    while (out.length < chars) out += ` ${this.word()}`;
    return out.length > chars + 8 ? out.slice(0, chars) : out;
  }

  title(chars = 60): string {
    const text = this.text(chars);
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
}
