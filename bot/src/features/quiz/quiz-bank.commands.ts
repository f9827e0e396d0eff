/**
 * Editing the quiz bank (题库): levels (create, rename, settings, order) and questions (create, edit,
 * deactivate, reactivate), and applying an import. Every command runs in the caller's transaction and
 * writes its audit entry there, so the log holds exactly the changes that committed. Edits carry the
 * version they were made against: two editors saving the same level or question cannot both win (the
 * second gets CONFLICT and nothing changes). Validation is the import's (quiz.schema.ts), every problem
 * listed in VALIDATION_FAILED's details.
 */
import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../db/raw-sql';
import { AppError } from '../../errors';
import { recordAudit } from '../audit';
import { QuizLevel } from './quiz-level.entity';
import { lockedLevels, renumberQuizLevels } from './quiz-level.order';
import { QuizQuestion } from './quiz-question.entity';
import { importQuizQuestions, type QuizImportRow, type QuizQuestionsImported } from './quiz.import';
import { importQuizLevels, type QuizLevelChange, type QuizLevelRow } from './quiz-levels.import';
import {
  checkQuizLevel,
  checkQuizQuestion,
  levelNameKey,
  type QuizLevelField,
  type QuizLevelInput,
  type QuizProblem,
  type QuizQuestionField,
} from './quiz.schema';

/** Who made a change, for the audit log: a staff number or `cli:<os user>`, and from where. */
export interface QuizBankActor {
  readonly manager: EntityManager;
  readonly actor: string;
  readonly ip?: string | null;
  readonly now: Date;
}

function invalid(problems: readonly QuizProblem[]): AppError {
  return new AppError('VALIDATION_FAILED', `quiz bank: ${problems.map((p) => p.key).join(', ')}`, {
    params: { detail: [...new Set(problems.map((problem) => problem.field))].join(', ') },
    details: { problems },
  });
}

/** What the audit log keeps of a level. */
export function levelSnapshot(level: QuizLevel) {
  return {
    name: level.name,
    position: level.sortOrder,
    questionsPerAttempt: level.questionsPerAttempt,
    passPercent: level.passPercent,
    points: level.points,
    version: level.version,
  };
}

/** What the audit log keeps of a question: all of it (a question is short). */
export function questionSnapshot(question: QuizQuestion) {
  return {
    levelId: question.levelId,
    type: question.type,
    stem: question.stem,
    options: question.options,
    answer: question.answer,
    explanation: question.explanation,
    tags: question.tags,
    isActive: question.isActive,
    version: question.version,
  };
}

async function audit(
  props: QuizBankActor,
  action: string,
  record: { type: 'quiz_level' | 'quiz_question'; id: number },
  before: unknown,
  after: unknown,
): Promise<void> {
  await recordAudit({
    manager: props.manager,
    actor: props.actor,
    action,
    recordType: record.type,
    recordId: record.id,
    before,
    after,
    ip: props.ip ?? null,
    now: props.now,
  });
}

const nameTaken = (name: string): QuizProblem<QuizLevelField> => ({
  field: 'name',
  key: 'quiz.level.error.nameTaken',
  params: { name },
});

/** Two editors racing for one level name: the unique index decides, and the loser hears it as taken. */
async function nameGuarded<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw invalid([nameTaken(name)]);
    throw error;
  }
}

async function loadLevel(manager: EntityManager, id: number): Promise<QuizLevel> {
  const level = Number.isSafeInteger(id) ? await manager.findOneBy(QuizLevel, { id }) : null;
  if (!level) throw new AppError('NOT_FOUND', `quiz level ${id}`);
  return level;
}

/**
 * The level other than `exceptId` whose name is the same as `name` (compared by {@link levelNameKey}),
 * among `levels` (all of them).
 */
function nameHolder(levels: readonly QuizLevel[], name: string, exceptId?: number): QuizLevel | undefined {
  const key = levelNameKey(name);
  return levels.find((level) => level.id !== exceptId && levelNameKey(level.name) === key);
}

/** Adds a level after the others. */
export async function createQuizLevel(
  props: QuizBankActor & { readonly input: QuizLevelInput },
): Promise<QuizLevel> {
  const { manager, now } = props;
  const checked = checkQuizLevel(props.input);
  if (!checked.ok) throw invalid(checked.problems);
  const value = checked.value;
  const levels = await lockedLevels(manager);
  if (nameHolder(levels, value.name)) throw invalid([nameTaken(value.name)]);
  // Positions 1…n first, so the new level goes right after the last one whatever the rows held before.
  await renumberQuizLevels(manager, levels);
  const level = await nameGuarded(value.name, () =>
    manager.save(
      manager.create(QuizLevel, {
        ...value,
        sortOrder: levels.length + 1,
        createdAt: now,
        updatedAt: null,
        version: 1,
      }),
    ),
  );
  await audit(props, 'quiz.level.create', { type: 'quiz_level', id: level.id }, null, levelSnapshot(level));
  return level;
}

/** Renames a level and changes its settings, if nobody changed it since `version` (else CONFLICT). */
export async function updateQuizLevel(
  props: QuizBankActor & { readonly id: number; readonly version: number; readonly input: QuizLevelInput },
): Promise<QuizLevel> {
  const { manager, now } = props;
  const current = await loadLevel(manager, props.id);
  if (current.version !== props.version)
    throw new AppError(
      'CONFLICT',
      `quiz level ${current.id} is at version ${current.version}, not ${props.version}`,
    );
  const checked = checkQuizLevel(props.input);
  if (!checked.ok) throw invalid(checked.problems);
  const value = checked.value;
  // Against every other level: a change of letter case alone (or of width) is a rename of this one.
  const levels = await manager.find(QuizLevel, { select: { id: true, name: true } });
  if (nameHolder(levels, value.name, current.id)) throw invalid([nameTaken(value.name)]);
  const next = { ...value, updatedAt: now, version: current.version + 1 };
  const result = await nameGuarded(value.name, () =>
    manager.update(QuizLevel, { id: current.id, version: current.version }, next),
  );
  if (result.affected !== 1) throw new AppError('CONFLICT', `quiz level ${current.id} changed meanwhile`);
  const updated = manager.create(QuizLevel, { ...current, ...next });
  await audit(
    props,
    'quiz.level.update',
    { type: 'quiz_level', id: current.id },
    levelSnapshot(current),
    levelSnapshot(updated),
  );
  return updated;
}

/**
 * Moves a level one place earlier or later in play order (nothing at either end). Positions are not
 * versioned: a move never conflicts with an edit of the level's settings.
 */
export async function moveQuizLevel(
  props: QuizBankActor & { readonly id: number; readonly direction: 'up' | 'down' },
): Promise<QuizLevel> {
  const { manager } = props;
  const levels = await lockedLevels(manager);
  const index = levels.findIndex((level) => level.id === props.id);
  const level = levels[index];
  if (!level) throw new AppError('NOT_FOUND', `quiz level ${props.id}`);
  const target = props.direction === 'up' ? index - 1 : index + 1;
  const neighbour = levels[target];
  if (!neighbour) return level;
  const before = { position: index + 1 };
  levels[target] = level;
  levels[index] = neighbour;
  await renumberQuizLevels(manager, levels);
  await audit(props, 'quiz.level.move', { type: 'quiz_level', id: level.id }, before, {
    position: target + 1,
  });
  return level;
}

/** A question as the web form gives it: the level by id, lists already split. */
export interface QuizQuestionForm {
  readonly levelId: number;
  readonly type: string;
  readonly stem: string;
  readonly options: readonly string[];
  readonly answer: string;
  readonly explanation: string;
  readonly tags: readonly string[];
  readonly isActive: boolean;
}

/** Checks a question against the import's rules, its level, and the other questions of that level. */
async function validQuestion(manager: EntityManager, form: QuizQuestionForm, exceptId?: number) {
  const level = Number.isSafeInteger(form.levelId)
    ? await manager.findOneBy(QuizLevel, { id: form.levelId })
    : null;
  const checked = checkQuizQuestion({ ...form, level: level?.name ?? '-' });
  const problems: QuizProblem<QuizQuestionField>[] = checked.ok ? [] : [...checked.problems];
  if (!level) problems.unshift({ field: 'level', key: 'quiz.bank.error.levelMissing', params: {} });
  if (level && checked.ok) {
    const twins = await manager.find(QuizQuestion, {
      where: { levelId: level.id },
      select: { id: true, stem: true },
    });
    if (twins.some((twin) => twin.stem === checked.value.stem && twin.id !== exceptId))
      problems.push({ field: 'stem', key: 'quiz.bank.error.duplicateStem', params: { level: level.name } });
  }
  if (!checked.ok || !level || problems.length > 0) throw invalid(problems);
  const { type, stem, options, answer, explanation, tags } = checked.value;
  return { levelId: level.id, type, stem, options, answer, explanation, tags, isActive: form.isActive };
}

/** Adds a question to a level's bank. */
export async function createQuizQuestion(
  props: QuizBankActor & { readonly form: QuizQuestionForm },
): Promise<QuizQuestion> {
  const { manager, now } = props;
  const value = await validQuestion(manager, props.form);
  const question = await manager.save(
    manager.create(QuizQuestion, { ...value, createdAt: now, updatedAt: null, version: 1 }),
  );
  await audit(
    props,
    'quiz.question.create',
    { type: 'quiz_question', id: question.id },
    null,
    questionSnapshot(question),
  );
  return question;
}

async function loadQuestion(manager: EntityManager, id: number, version: number): Promise<QuizQuestion> {
  const current = Number.isSafeInteger(id) ? await manager.findOneBy(QuizQuestion, { id }) : null;
  if (!current) throw new AppError('NOT_FOUND', `quiz question ${id}`);
  if (current.version !== version)
    throw new AppError('CONFLICT', `quiz question ${id} is at version ${current.version}, not ${version}`);
  return current;
}

async function writeQuestion(
  props: QuizBankActor,
  current: QuizQuestion,
  changes: Partial<QuizQuestion>,
  action: string,
): Promise<QuizQuestion> {
  const next = { ...changes, updatedAt: props.now, version: current.version + 1 };
  const result = await props.manager.update(QuizQuestion, { id: current.id, version: current.version }, next);
  if (result.affected !== 1) throw new AppError('CONFLICT', `quiz question ${current.id} changed meanwhile`);
  const updated = props.manager.create(QuizQuestion, { ...current, ...next });
  await audit(
    props,
    action,
    { type: 'quiz_question', id: current.id },
    questionSnapshot(current),
    questionSnapshot(updated),
  );
  return updated;
}

/**
 * Replaces a question's content (and level, and active state) if nobody changed it since `version`.
 * Attempts under way keep the question as it was when they drew it (their own copy).
 */
export async function updateQuizQuestion(
  props: QuizBankActor & { readonly id: number; readonly version: number; readonly form: QuizQuestionForm },
): Promise<QuizQuestion> {
  const current = await loadQuestion(props.manager, props.id, props.version);
  const value = await validQuestion(props.manager, props.form, current.id);
  return writeQuestion(props, current, value, 'quiz.question.update');
}

/** Takes a question out of play (or back in) without deleting it: past attempts still refer to it. */
export async function setQuizQuestionActive(
  props: QuizBankActor & { readonly id: number; readonly version: number; readonly isActive: boolean },
): Promise<QuizQuestion> {
  const current = await loadQuestion(props.manager, props.id, props.version);
  if (current.isActive === props.isActive) return current;
  return writeQuestion(
    props,
    current,
    { isActive: props.isActive },
    props.isActive ? 'quiz.question.reactivate' : 'quiz.question.deactivate',
  );
}

export interface QuizBankImported extends Omit<QuizQuestionsImported, 'changes' | 'createdLevels'> {
  readonly levels: readonly QuizLevelChange[];
}

/**
 * Applies a checked levels file and a checked questions file (either may be empty) in the caller's
 * transaction: levels first, so a level named in both gets the file's settings; every level and
 * question added or changed is audited, with `source` (the file name) in the entry.
 */
export async function importQuizBank(
  props: QuizBankActor & {
    readonly levels: readonly QuizLevelRow[];
    readonly questions: readonly QuizImportRow[];
    readonly source: string;
  },
): Promise<QuizBankImported> {
  const { manager, now } = props;
  const levels = props.levels.length > 0 ? await importQuizLevels({ manager, rows: props.levels, now }) : [];
  const { changes, createdLevels, ...counts } = await importQuizQuestions({
    manager,
    rows: props.questions,
    now,
  });
  const importedFrom = props.source.slice(0, 200);
  for (const { level, before } of levels)
    await audit(
      props,
      before ? 'quiz.level.update' : 'quiz.level.create',
      { type: 'quiz_level', id: level.id },
      before ? levelSnapshot(before) : null,
      { ...levelSnapshot(level), importedFrom },
    );
  for (const level of createdLevels)
    await audit(props, 'quiz.level.create', { type: 'quiz_level', id: level.id }, null, {
      ...levelSnapshot(level),
      importedFrom,
    });
  for (const { question, before } of changes)
    await audit(
      props,
      before ? 'quiz.question.update' : 'quiz.question.create',
      { type: 'quiz_question', id: question.id },
      before ? questionSnapshot(before) : null,
      { ...questionSnapshot(question), importedFrom },
    );
  return { ...counts, levels };
}
