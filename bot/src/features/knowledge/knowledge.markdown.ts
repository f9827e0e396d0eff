/**
 * Handbook Markdown to HTML, safe to put in a page: raw HTML in the source is shown as text (markdown-it
 * `html: false`), links may only go to http(s), mailto or relative addresses (markdown-it's own
 * validateLink plus the allow list below, which also catches schemes hidden by control characters),
 * images are not rendered (photos are attached to the entry instead, and the pages' CSP would block
 * outside images anyway), and links carry rel="noopener noreferrer nofollow".
 */
import MarkdownIt from 'markdown-it';

const ALLOWED_SCHEME = /^(https?|mailto):/i;
const ANY_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** True for an http(s), mailto or relative link (what handbook Markdown may link to). */
export function isSafeKbLink(url: string): boolean {
  // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
  // eslint-disable-next-line no-control-regex
  const compact = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (compact.includes('\\')) return false;
  return ANY_SCHEME.test(compact) ? ALLOWED_SCHEME.test(compact) : true;
}

const markdown = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });
markdown.disable('image');
const defaultValidateLink = markdown.validateLink.bind(markdown);
markdown.validateLink = (url: string) => defaultValidateLink(url) && isSafeKbLink(url);
const renderToken = markdown.renderer.renderToken.bind(markdown.renderer);
markdown.renderer.rules.link_open = (tokens, index, options) => {
  tokens[index]?.attrSet('rel', 'noopener noreferrer nofollow');
  return renderToken(tokens, index, options);
};

/** The HTML of an entry's Markdown body (see the module comment for what makes it safe). */
export function renderKbMarkdown(body: string): string {
  return markdown.render(body);
}

/**
 * A plain-text excerpt of Markdown (a card's description when the author wrote no summary, a handbook
 * answer offered in chat): links and images become their text, Markdown marks become spaces, and text
 * over `maxChars` characters (code points, so no emoji is split in half) ends in `…`.
 */
export function plainExcerpt(markdown: string, maxChars = 120): string {
  const plain = markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[#>*_`|~-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...plain];
  return chars.length > maxChars ? `${chars.slice(0, maxChars - 1).join('')}…` : plain;
}
