/**
 * zh-CN catalog (the default). Every user-facing string lives here and in en-US.ts under the same key;
 * the type of en-US.ts makes a missing translation a compile error. Placeholders are `{name}`.
 */
export const zhCN = {
  'error.VALIDATION_FAILED': '输入有误：{detail}',
  'error.UNAUTHENTICATED': '请先登录。',
  'error.FORBIDDEN': '您没有权限执行此操作。',
  'error.NOT_FOUND': '未找到相关记录。',
  'error.CONFLICT': '记录已被他人修改，请刷新后重试。',
  'error.ILLEGAL_TRANSITION': '当前状态下不能执行该操作。',
  'error.RATE_LIMITED': '操作过于频繁，请稍后再试。',
  'error.PAYLOAD_TOO_LARGE': '提交的内容过大。',
  'error.BAD_REQUEST': '请求格式不正确。',
  'error.UNAVAILABLE': '服务暂时不可用，请稍后再试。',
  'error.INTERNAL': '系统出现异常，请稍后再试。如多次出现，请联系管理员并提供编号 {requestId}。',
  'health.notReady.connecting': '数据库连接中（第 {attempt} 次尝试）：{reason}',
  'health.notReady.migrating': '数据库迁移执行中',
  'health.notReady.pendingMigrations': '有 {count} 个数据库迁移尚未执行',
  'health.notReady.unreachable': '数据库无响应：{reason}',
  'health.notReady.closed': '服务正在停止',
  'notify.botReply.subject': '装维支撑服务回复',
  'notify.smsFallback.prefix': '（短信未能送达，改由企业微信发送）',
  'bot.welcome':
    '欢迎使用装维“倒三角”支撑服务！现场遇到疑难、发现隐患商机或需要线下报竣，都可以在这里发消息给后台。',
  'bot.help':
    '您好，这里是装维“倒三角”支撑服务。消息已收到。账号绑定、隐患/商机上报、我要提问、现场支撑、线下报竣等功能正在陆续开通，开通后将在此通知您。',
} as const;

export type MessageKey = keyof typeof zhCN;
