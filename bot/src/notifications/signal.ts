import { EventEmitter } from 'node:events';

/**
 * In-process wake-up for the relay: `enqueue` fires it after its transaction commits, so an alert leaves
 * within milliseconds instead of waiting for the next `drain-outbox` tick (which still covers relays in
 * other processes).
 */
const emitter = new EventEmitter();
emitter.setMaxListeners(50);

export function notifyOutbox(): void {
  emitter.emit('enqueued');
}

export function onOutboxEnqueued(listener: () => void): () => void {
  emitter.on('enqueued', listener);
  return () => emitter.off('enqueued', listener);
}
