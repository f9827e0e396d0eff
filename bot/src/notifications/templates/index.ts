/** Every notification template, registered on import. Features add theirs here. */
export { botReplyTemplate } from './bot-reply.template';
export {
  defineTemplate,
  findTemplate,
  type NotificationTemplate,
  type RenderedNotification,
} from './template';
