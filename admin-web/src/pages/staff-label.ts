/** How the back office names a person: their name with their staff number beside it. */
import type { Staff } from '../../../bot/src/features/staff';
import type { AdminState } from '../context';

/**
 * "Name (staff no.)" for a person, or `fallback` when they are unknown (not loaded, deleted, or none
 * assigned) — each page decides what an absent person reads as.
 */
export function staffLabel(
  say: AdminState['say'],
  person: Pick<Staff, 'name' | 'staffNo'> | undefined,
  fallback = '',
): string {
  return person ? say('web.withNote', { text: person.name, note: person.staffNo }) : fallback;
}

/** Names people by id from a map loaded with `staffByIds`; no id, or one not in the map, reads as `fallback`. */
export function staffNamer(
  say: AdminState['say'],
  people: ReadonlyMap<number, Pick<Staff, 'name' | 'staffNo'>>,
  fallback = '',
): (id: number | null) => string {
  return (id) => staffLabel(say, id === null ? undefined : people.get(id), fallback);
}
