/** Staff records and duty groups: who people are, how to reach them, and who is on duty. */
export { Staff, ROLES, type Role } from './staff.entity';
export { DutyGroup } from './duty-group.entity';
export { Department, type DepartmentKind } from './department.entity';
export { BindingCode } from './binding-code.entity';
export { DutyGroupMember } from './duty-group-member.entity';
export {
  findStaffById,
  findStaffByWecomUser,
  onDutyStaffIds,
  staffByIds,
  departmentHandlersToAlert,
  areaManagers,
  listHandlers,
  resolveGroupRecipients,
  type GroupRecipients,
} from './staff.queries';
export {
  createStaff,
  ensureDutyGroup,
  setGroupMembership,
  switchOnDuty,
  updateStaff,
  deactivateStaff,
  type CreateStaffProps,
} from './staff.commands';
export { bindingFlow } from './binding.flow';
export { requestBindingCode, verifyBindingCode, unbindStaff } from './binding.commands';
export { toE164, maskPhone } from './phone';
export {
  csvDateTime,
  decodeUtf8,
  excelCsv,
  formatCsv,
  parseCsv,
  spreadsheetSafe,
  type CsvRecord,
} from './csv';
export {
  parseRoster,
  importRoster,
  exportRoster,
  validateRosterFields,
  ROSTER_HEADER,
  type RosterRow,
  type RosterError,
  type ImportOutcome,
} from './roster';
export {
  countUnboundActiveStaff,
  findStaffByNo,
  listDepartments,
  listDutyGroups,
  listStaff,
  type DutyGroupView,
  type StaffFilter,
  type StaffListItem,
} from './roster.queries';
