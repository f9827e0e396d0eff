/** Questions and on-site support (提问 / 现场支撑), escalated tier 2 → tier 3, with SLAs on working time. */
export { Ticket, TICKET_KINDS, OPEN_STATUSES, SLA_ALERT } from './ticket.entity';
export type { TicketKind, TicketPriority, TicketStatus } from './ticket.entity';
export { TicketMessage, type TicketMessageType } from './ticket-message.entity';
export { TicketSequence } from './ticket-sequence.entity';
export {
  addEngineerMessage,
  canActOnTicket,
  canSeeTicket,
  claimTicket,
  confirmResolved,
  escalateTicket,
  replyToTicket,
  reopenByEngineer,
  requestMoreInfo,
  resolveTicket,
  sendBackTicket,
  submitTicket,
  DESK_GROUP as TICKET_DESK_GROUP,
  type SubmitTicketProps,
} from './ticket.commands';
export {
  countTickets,
  findTicket,
  listTickets,
  ticketThread,
  TICKET_QUEUES,
  type TicketQueue,
  type TicketQueueFilter,
} from './ticket.queries';
export { ticketStats, ticketsCsv, type TicketStats } from './ticket.stats';
export { createTicketFlow, type Handbook } from './ticket.flow';
export { createTicketInputHandler, ticketOpenItems } from './ticket.follow-up';
export { ticketArchiveJob, ticketSlaJob } from './ticket.jobs';
export {
  addWorkingMinutes,
  workingMinutesBetween,
  isWorkingDay,
  type WorkingCalendar,
} from './working-calendar';
export {
  archiveAfterSetting,
  cannedRepliesSetting,
  slaReminderSetting,
  ticketSlaSetting,
  workingHoursSetting,
} from './ticket.settings';
