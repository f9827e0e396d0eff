/** The field handbook (装维宝典): entries, Chinese search, signed public links, `查询`, and imports. */
export { KbEntry } from './kb-entry.entity';
export { KbTerm } from './kb-term.entity';
export { KbTermStat } from './kb-term-stat.entity';
export { KbLinkSecret } from './kb-link-secret.entity';
export {
  createKbEntry,
  importKbEntries,
  updateKbEntry,
  type CreateKbEntryProps,
  type ImportOutcome,
  type UpdateKbEntryProps,
} from './knowledge.commands';
export { findKbDrafts, findKbEntry, listKbEntries, type KbListFilter } from './knowledge.queries';
export { countKbTerms, searchKnowledge, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from './knowledge.search';
export { queryTerms } from './knowledge.terms';
export { checkKbEntry, parseTags, KB_LIMITS, type KbEntryInput, type KbProblem } from './knowledge.schema';
export {
  checkKbLink,
  kbEntryLink,
  kbLinkQuery,
  linkKey as publicLinkKey,
  KB_LINK_TTL_SECONDS,
  type KbLinkCheck,
  type KbLinkProps,
} from './knowledge.links';
export { isSafeKbLink, plainExcerpt, renderKbMarkdown } from './knowledge.markdown';
export {
  parseKbImport,
  kbImportPlace,
  KB_CSV_HEADER,
  KB_IMPORT_EXTENSIONS,
  type KbImportEntry,
  type KbImportFile,
  type KbImportItem,
  type KbImportProblem,
} from './knowledge.import';
export { createKnowledgeFlow, type KnowledgeFlowOptions } from './knowledge.flow';
