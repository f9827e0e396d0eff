/**
 * Managing the training videos `视频` lists: add, change (optimistic version), deactivate, and order.
 * Like the article commands they run in the caller's transaction and leave auditing to the edges.
 */
import type { EntityManager } from 'typeorm';
import { AppError } from '../../errors';
import { invalidArticle } from './broadcast.commands';
import { checkVideo, type VideoInput } from './broadcast.schema';
import { TrainingVideo } from './training-video.entity';

function validated(input: VideoInput): VideoInput {
  const checked = checkVideo(input);
  if (!checked.ok) throw invalidArticle(checked.problems);
  return checked.value;
}

async function loadVideo(manager: EntityManager, id: number): Promise<TrainingVideo> {
  const video = await manager.findOneBy(TrainingVideo, { id });
  if (!video) throw new AppError('NOT_FOUND', `training video ${id}`);
  return video;
}

async function guardedVideoUpdate(
  manager: EntityManager,
  video: TrainingVideo,
  changes: Partial<Omit<TrainingVideo, 'id' | 'version'>>,
  now: Date,
): Promise<TrainingVideo> {
  const result = await manager.update(
    TrainingVideo,
    { id: video.id, version: video.version },
    { ...changes, version: video.version + 1, updatedAt: now },
  );
  if (result.affected !== 1) throw new AppError('CONFLICT', `training video ${video.id} changed meanwhile`);
  return manager.findOneByOrFail(TrainingVideo, { id: video.id });
}

/** Adds a video at the end of the list. VALIDATION_FAILED lists every problem (https links only). */
export async function createTrainingVideo(props: {
  readonly manager: EntityManager;
  readonly input: VideoInput;
  readonly now: Date;
}): Promise<TrainingVideo> {
  const { manager, now } = props;
  const value = validated(props.input);
  const last = await manager
    .createQueryBuilder(TrainingVideo, 'v')
    .select('MAX(v.sort_order)', 'max')
    .getRawOne<{ max: number | string | null }>();
  return manager.save(
    manager.create(TrainingVideo, {
      ...value,
      sortOrder: Number(last?.max ?? 0) + 1,
      version: 1,
      createdAt: now,
      updatedAt: now,
    }),
  );
}

/** Changes a video if nobody changed it since `version` (else CONFLICT). */
export async function updateTrainingVideo(props: {
  readonly manager: EntityManager;
  readonly id: number;
  readonly version: number;
  readonly changes: Partial<VideoInput>;
  readonly now: Date;
}): Promise<TrainingVideo> {
  const current = await loadVideo(props.manager, props.id);
  if (current.version !== props.version)
    throw new AppError('CONFLICT', `training video ${current.id} is at version ${current.version}`);
  const value = validated({
    title: props.changes.title ?? current.title,
    description: props.changes.description ?? current.description,
    durationSeconds: props.changes.durationSeconds ?? current.durationSeconds,
    url: props.changes.url ?? current.url,
    coverKey: props.changes.coverKey === undefined ? current.coverKey : props.changes.coverKey,
    isActive: props.changes.isActive ?? current.isActive,
  });
  return guardedVideoUpdate(props.manager, current, value, props.now);
}

/** Takes a video off the `视频` list (it stays on the web, and can be made active again by an update). */
export async function deactivateTrainingVideo(props: {
  readonly manager: EntityManager;
  readonly id: number;
  readonly version: number;
  readonly now: Date;
}): Promise<TrainingVideo> {
  const current = await loadVideo(props.manager, props.id);
  if (current.version !== props.version)
    throw new AppError('CONFLICT', `training video ${current.id} is at version ${current.version}`);
  if (!current.isActive) return current;
  return guardedVideoUpdate(props.manager, current, { isActive: false }, props.now);
}

/**
 * Puts videos in the given order: the listed ones first, in that order, then the rest as they were.
 * NOT_FOUND for an id that does not exist; VALIDATION_FAILED for an id listed twice.
 */
export async function reorderTrainingVideos(props: {
  readonly manager: EntityManager;
  readonly orderedIds: readonly number[];
  readonly now: Date;
}): Promise<TrainingVideo[]> {
  const { manager, now } = props;
  if (new Set(props.orderedIds).size !== props.orderedIds.length)
    throw new AppError('VALIDATION_FAILED', 'a video is listed twice', { params: { detail: 'order' } });
  const all = await manager.find(TrainingVideo, { order: { sortOrder: 'ASC', id: 'ASC' } });
  const byId = new Map(all.map((video) => [video.id, video]));
  const missing = props.orderedIds.find((id) => !byId.has(id));
  if (missing !== undefined) throw new AppError('NOT_FOUND', `training video ${missing}`);
  const listed = new Set(props.orderedIds);
  const order = [
    ...props.orderedIds.map((id) => byId.get(id) as TrainingVideo),
    ...all.filter((video) => !listed.has(video.id)),
  ];
  for (const [index, video] of order.entries()) {
    if (video.sortOrder === index + 1) continue;
    await manager.update(
      TrainingVideo,
      { id: video.id },
      { sortOrder: index + 1, version: video.version + 1, updatedAt: now },
    );
  }
  return manager.find(TrainingVideo, { order: { sortOrder: 'ASC', id: 'ASC' } });
}
