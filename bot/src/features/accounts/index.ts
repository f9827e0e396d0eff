/** Back-office accounts: passwords (scrypt), sign-in with lockout, server-side sessions. */
export { StaffCredential } from './credential.entity';
export { WebSession } from './web-session.entity';
export { MIN_PASSWORD_LENGTH } from './passwords';
export {
  changePassword,
  endSessionsFor,
  resumeSession,
  setPassword,
  signIn,
  signOut,
  WEB_ROLES,
  MAX_FAILURES,
  type ActiveSession,
  type SignInResult,
} from './accounts.commands';
