// Half of no surrogate pair, so without UTF-8: encodeURIComponent throws on it.
const LONE_SURROGATE = /([\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF])/;
// ED A0..BF is never UTF-8 (it would be a surrogate), so here it can only be one.
const ENCODED_SURROGATE = /%ED%([AB][0-9A-F])%([89AB][0-9A-F])/i;

const percent = (byte: number) => `%${byte.toString(16).toUpperCase()}`;

/** A total `encodeURIComponent`: a lone surrogate becomes WTF-8; `decodeArticleId` inverts it. */
export function encodeArticleId(id: string): string {
  try {
    return encodeURIComponent(id);
  } catch {
    return id
      .split(LONE_SURROGATE)
      .map((part, i) => {
        if (i % 2 === 0) return encodeURIComponent(part);
        const unit = part.charCodeAt(0);
        return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
          .map(percent)
          .join('');
      })
      .join('');
  }
}

/** The inverse of `encodeArticleId`; throws URIError on malformed percent-encoding. */
export function decodeArticleId(encoded: string): string {
  const [first = '', ...rest] = encoded.split(ENCODED_SURROGATE);
  let id = decodeURIComponent(first);
  for (let i = 0; i < rest.length; i += 3) {
    const [second = '', third = '', after = ''] = rest.slice(i, i + 3);
    const unit = 0xd000 | ((parseInt(second, 16) & 0x3f) << 6) | (parseInt(third, 16) & 0x3f);
    id += String.fromCharCode(unit) + decodeURIComponent(after);
  }
  return id;
}

/** Where readers open an article, the same in feeds and sitemaps. */
export function articleLink(publicUrl: string, articleId: string): string {
  return `${publicUrl}/articles/${encodeArticleId(articleId)}`;
}
