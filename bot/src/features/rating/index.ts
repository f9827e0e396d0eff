/** Two-way tier ratings (三级支撑评价): tasks after archived tickets, ratings, and the managers' review. */
export { RatingTask, type RatingSide, type RatingTaskStatus } from './rating-task.entity';
export { ImportedTicket } from './imported-ticket.entity';
