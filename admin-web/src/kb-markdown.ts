/**
 * The one place where handbook Markdown becomes page markup. renderKbMarkdown escapes raw HTML, allows
 * only http(s)/mailto/relative links and renders no images (see features/knowledge), which is what
 * makes passing its output through `raw()` acceptable; nothing else in the admin web does so for input.
 */
import { renderKbMarkdown } from '../../bot/src/features/knowledge';
import { html, raw, type SafeHtml } from './html';

/** An entry's body as safe HTML, inside `<div class="markdown">`. */
export function trustedKbMarkdown(body: string): SafeHtml {
  return html`<div class="markdown">${raw(renderKbMarkdown(body))}</div>`;
}
